/**
 * Start at login on each platform, with `app` as a stand-in: macOS and Windows go through
 * setLoginItemSettings (Windows with our --hidden argument); Linux writes and removes a real XDG autostart
 * file under a temp XDG_CONFIG_HOME, its Exec the AppImage when running from one, else the executable.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autostartPath, createLoginItem, desktopEntry, type LoginItemApp } from '../../src/main/loginItem.js';

function fakeApp(): LoginItemApp & { settings: Array<Record<string, unknown>> } {
  let open = false;
  const settings: Array<Record<string, unknown>> = [];
  return {
    settings,
    setLoginItemSettings: (s) => {
      settings.push(s);
      open = s.openAtLogin;
    },
    getLoginItemSettings: () => ({ openAtLogin: open }),
  };
}

describe('start at login', () => {
  let xdg: string;
  beforeEach(async () => {
    xdg = await mkdtemp(join(tmpdir(), 'bsync-xdg-'));
  });
  afterEach(async () => {
    await rm(xdg, { recursive: true, force: true });
  });

  it('macOS: setLoginItemSettings, opened hidden', async () => {
    const app = fakeApp();
    const item = createLoginItem({ app, platform: 'darwin' });
    expect(await item.isEnabled()).toBe(false);
    await item.setEnabled(true);
    expect(await item.isEnabled()).toBe(true);
    expect(app.settings).toEqual([{ openAtLogin: true, openAsHidden: true }]);
    await item.setEnabled(false);
    expect(await item.isEnabled()).toBe(false);
  });

  it('Windows: setLoginItemSettings with --hidden', async () => {
    const app = fakeApp();
    const item = createLoginItem({ app, platform: 'win32' });
    await item.setEnabled(true);
    expect(app.settings[0]).toMatchObject({ openAtLogin: true, args: ['--hidden'] });
  });

  it('Linux: writes and removes $XDG_CONFIG_HOME/autostart/bilancio-sync.desktop', async () => {
    const app = fakeApp();
    const env = { XDG_CONFIG_HOME: xdg };
    const item = createLoginItem({
      app,
      platform: 'linux',
      env,
      execPath: '/opt/Bilancio Sync/bilancio-sync',
    });
    const file = join(xdg, 'autostart', 'bilancio-sync.desktop');
    expect(autostartPath(env)).toBe(file);
    expect(await item.isEnabled()).toBe(false);
    await item.setEnabled(true);
    expect(await item.isEnabled()).toBe(true);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    expect(text).toContain('Exec="/opt/Bilancio Sync/bilancio-sync" --hidden\n');
    expect(text).toContain('Name=Bilancio Sync\n');
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(app.settings).toEqual([]); // Electron's API is not used on Linux
    await item.setEnabled(false);
    expect(await item.isEnabled()).toBe(false);
    await expect(stat(file)).rejects.toThrow();
    await item.setEnabled(false); // removing twice is fine
  });

  it("Linux AppImage: Exec is the AppImage's own file, not the moving mount", async () => {
    const env = { XDG_CONFIG_HOME: xdg, APPIMAGE: '/home/r/Apps/Bilancio-Sync-0.1.0.AppImage' };
    const item = createLoginItem({
      app: fakeApp(),
      platform: 'linux',
      env,
      execPath: '/tmp/.mount_BilancXYZ/bilancio-sync',
    });
    await item.setEnabled(true);
    const text = await readFile(autostartPath(env), 'utf8');
    expect(text).toContain('Exec=/home/r/Apps/Bilancio-Sync-0.1.0.AppImage --hidden\n');
    expect(text).not.toContain('.mount_');
  });

  it('quotes Exec by the desktop entry rules', () => {
    expect(desktopEntry(['/a b/c$d"e', '100%'])).toContain('Exec="/a b/c\\$d\\"e" 100%%\n');
  });
});
