#!/usr/bin/env node
// better-sqlite3 for Electron, next to (not instead of) the Node build: `npm test` and the CLI keep
// loading node_modules/better-sqlite3/build (Node 20's ABI) while the desktop app, run unpackaged
// (`npm start`), loads native/better-sqlite3/electron-<version>-<platform>-<arch>/better_sqlite3.node —
// chosen at run time by sqliteNativeBinding() in src/core/stores/sqliteDatabase.ts when
// process.versions.electron is set. (A packaged app needs none of this: electron-builder rebuilds
// node_modules for Electron while packaging.)
//
// How: a copy of node_modules/better-sqlite3 is compiled by node-gyp against Electron's headers
// (--runtime=electron --target=<electron version> --dist-url=https://electronjs.org/headers), the same
// invocation @electron/rebuild makes (its current release needs Node 22.12+, this repository supports
// Node 20). Needs the network once, for the headers, and a C++ toolchain.
//
//   node scripts/native-electron.mjs               build it if it isn't there
//   node scripts/native-electron.mjs --force       build it again
//   node scripts/native-electron.mjs --print-path  print where it goes (and nothing else)
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

export function electronVersion() {
  return JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
}

/** Must agree with sqliteNativeBinding() (a test checks it does). */
export function electronBindingPath(
  version = electronVersion(),
  platform = process.platform,
  arch = process.arch,
) {
  return join(
    root,
    'native',
    'better-sqlite3',
    `electron-${version}-${platform}-${arch}`,
    'better_sqlite3.node',
  );
}

function nodeGyp() {
  for (const candidate of [
    () => require.resolve('node-gyp/bin/node-gyp.js'),
    () =>
      join(
        dirname(process.execPath),
        '..',
        'lib',
        'node_modules',
        'npm',
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
  ]) {
    try {
      const p = candidate();
      if (existsSync(p)) return p;
    } catch {
      // next
    }
  }
  return null;
}

function main() {
  const args = process.argv.slice(2);
  const target = electronBindingPath();
  if (args.includes('--print-path')) {
    console.log(target);
    return 0;
  }
  if (existsSync(target) && !args.includes('--force')) {
    console.log(`better-sqlite3 for Electron is there: ${target}`);
    return 0;
  }
  const gyp = nodeGyp();
  if (!gyp) {
    console.error('node-gyp not found: install it (npm i -g node-gyp) and run this again.');
    return 1;
  }
  const version = electronVersion();
  const source = dirname(require.resolve('better-sqlite3/package.json'));
  const work = join(root, 'native', '.build', `better-sqlite3-electron-${version}`);
  rmSync(work, { recursive: true, force: true });
  cpSync(source, work, { recursive: true, filter: (p) => !p.includes(`${join(source, 'build')}`) });
  console.log(`Building better-sqlite3 for Electron ${version} (${process.platform}-${process.arch})…`);
  const r = spawnSync(
    process.execPath,
    [
      gyp,
      'rebuild',
      '--release',
      `--target=${version}`,
      `--arch=${process.arch}`,
      '--runtime=electron',
      '--dist-url=https://electronjs.org/headers',
      '--build-from-source',
    ],
    {
      cwd: work,
      stdio: 'inherit',
      env: { ...process.env, npm_config_runtime: 'electron', npm_config_target: version },
    },
  );
  if (r.status !== 0) {
    console.error(
      "The build failed (it needs the network once for Electron's headers, and a C++ toolchain).",
    );
    return r.status ?? 1;
  }
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(work, 'build', 'Release', 'better_sqlite3.node'), target);
  rmSync(work, { recursive: true, force: true });
  console.log(`Done: ${target}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main());
