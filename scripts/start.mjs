// `npm start`: the app on whatever it finds. With Electron's binary installed, the desktop app
// (electron-vite preview of the built app); without it — as on headless machines and these build
// machines, where Electron's binary can't be downloaded — the same window in browser mode
// (`bilancio-sync ui`), on the embedded default unless settings say otherwise. Extra arguments go to
// `bilancio-sync ui` (e.g. `npm start -- ~/bilancio/out/experiments --port 8765`). Browser mode too where
// Electron has no display to open on (Linux without DISPLAY or WAYLAND_DISPLAY: servers, SSH sessions).
// Before the desktop app starts, better-sqlite3 is built for Electron's ABI once (scripts/native-electron.mjs).
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
  !existsSync(join(root, 'out', 'main', 'index.js')) ||
  !existsSync(join(root, 'out', 'main', 'serviceProcess.js'))
) {
  console.log('Building the app (first start)…');
  const built = run(process.execPath, [
    join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'),
    'build',
  ]);
  if (built.status !== 0) process.exit(built.status ?? 1);
}

/** Why Electron can't start here, in a few words, or null if it can. */
function whyNoElectron() {
  if (!electronBinary()) return "Electron's binary is not installed here";
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  }
  return null;
}

/** better-sqlite3 built for Electron's ABI (scripts/native-electron.mjs), built once if missing. */
function electronNativeModule() {
  const script = join(root, 'scripts', 'native-electron.mjs');
  const built = run(process.execPath, [script]);
  return built.status === 0 ? null : 'better-sqlite3 could not be built for Electron';
}

const extra = process.argv.slice(2);
const why = whyNoElectron() ?? electronNativeModule();
if (why) console.log(`Electron can't start (${why}): opening Bilancio Sync in browser mode instead.`);
const child = !why
  ? spawn(
      process.execPath,
      [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'preview'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    )
  : spawn(process.execPath, [join(root, 'bin', 'bilancio-sync.js'), 'ui', ...extra], {
      cwd: root,
      stdio: 'inherit',
    });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
