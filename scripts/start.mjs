// `npm start`: the app on whatever it finds. With Electron's binary installed, the desktop app
// (electron-vite preview of the built app); without it — as on headless machines and these build
// machines, where Electron's binary can't be downloaded — the same window in browser mode
// (`bilancio-sync ui`), on the embedded default unless settings say otherwise. Extra arguments go to
// `bilancio-sync ui` (e.g. `npm start -- ~/bilancio/out/experiments --port 8765`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) =>
  spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });

/** Electron's binary, if its install step put one there (never `require('electron')`: it downloads). */
function electronBinary() {
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

if (
  !existsSync(join(root, 'out', 'renderer', 'index.html')) ||
  !existsSync(join(root, 'out', 'main', 'index.js'))
) {
  console.log('Building the app (first start)…');
  const built = run(process.execPath, [
    join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'),
    'build',
  ]);
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const extra = process.argv.slice(2);
const child = electronBinary()
  ? spawn(
      process.execPath,
      [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'preview'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    )
  : (console.log('Electron is not installed here: opening Bilancio Sync in browser mode.'),
    spawn(process.execPath, [join(root, 'bin', 'bilancio-sync.js'), 'ui', ...extra], {
      cwd: root,
      stdio: 'inherit',
    }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
