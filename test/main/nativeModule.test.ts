/**
 * better-sqlite3 under two ABIs: plain Node (tests, CLI) loads the default build; Electron (unpackaged)
 * loads the build scripts/native-electron.mjs makes, from the very path that script writes to; an override
 * wins; a missing Electron build falls back to the default (a packaged app, rebuilt by electron-builder).
 * The rebuild itself needs Electron's headers from the network: not run here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqliteNativeBinding } from '../../src/core/stores/sqliteDatabase.js';

const root = resolve(__dirname, '../..');
const electronVersion = JSON.parse(
  readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8'),
).version;

describe('the native module path', () => {
  it('plain Node: the default build', () => {
    expect(sqliteNativeBinding(process.versions, {}, () => true)).toBeUndefined();
  });

  it('Electron: the path scripts/native-electron.mjs writes, when it is there', () => {
    const printed = execFileSync(
      process.execPath,
      [join(root, 'scripts/native-electron.mjs'), '--print-path'],
      {
        encoding: 'utf8',
      },
    ).trim();
    expect(printed).toBe(
      join(
        root,
        'native',
        'better-sqlite3',
        `electron-${electronVersion}-${process.platform}-${process.arch}`,
        'better_sqlite3.node',
      ),
    );
    const versions = { ...process.versions, electron: electronVersion };
    const seen: string[] = [];
    expect(
      sqliteNativeBinding(versions, {}, (p) => {
        seen.push(p);
        return true;
      }),
    ).toBe(printed);
    expect(seen).toEqual([printed]);
    // Not built (a packaged app: electron-builder rebuilt node_modules itself): the default.
    expect(sqliteNativeBinding(versions, {}, () => false)).toBeUndefined();
    // An explicit file wins.
    expect(sqliteNativeBinding(versions, { BILANCIO_SYNC_SQLITE_BINDING: '/x/b.node' }, () => false)).toBe(
      '/x/b.node',
    );
    // ...but only under Electron.
    expect(
      sqliteNativeBinding(process.versions, { BILANCIO_SYNC_SQLITE_BINDING: '/x/b.node' }),
    ).toBeUndefined();
  });
});
