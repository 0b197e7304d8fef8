/**
 * Start at login. macOS and Windows: Electron's `app.setLoginItemSettings` / `getLoginItemSettings`.
 * Linux, where those do nothing: an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/bilancio-sync.desktop`
 * (default ~/.config), written and removed by the app. Its Exec is the AppImage's path when running from
 * one ($APPIMAGE: the mounted squashfs path changes at every start, the .AppImage file doesn't), else the
 * executable; `--hidden` starts it in the tray. `app` is injected (tested in Node).
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const AUTOSTART_FILE = 'bilancio-sync.desktop';
export const HIDDEN_ARG = '--hidden';

export interface LoginItemApp {
  setLoginItemSettings(settings: {
    openAtLogin: boolean;
    openAsHidden?: boolean;
    args?: string[];
    path?: string;
  }): void;
  getLoginItemSettings(options?: { args?: string[]; path?: string }): { openAtLogin: boolean };
}

export interface LoginItemOptions {
  app: LoginItemApp;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  execPath?: string;
  /** Arguments before our own (an unpackaged dev run passes the app folder to electron). */
  appArgs?: string[];
}

export interface LoginItem {
  isEnabled(): Promise<boolean>;
  setEnabled(on: boolean): Promise<void>;
}

export function autostartPath(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/')
      ? env.XDG_CONFIG_HOME
      : join(homedir(), '.config');
  return join(base, 'autostart', AUTOSTART_FILE);
}

/** Quoting for a desktop entry's Exec key (the spec's rules: double quotes, \ " ` $ escaped). */
export function execQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/([\\"`$])/g, '\\$1')}"`;
}

export function desktopEntry(command: string[]): string {
  // %-signs are field codes in Exec: a literal one is %%.
  const exec = command.map((a) => execQuote(a).replace(/%/g, '%%')).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Bilancio Sync',
    'Comment=Keeps bilancio sweep results synced to the cloud',
    `Exec=${exec}`,
    'Icon=bilancio-sync',
    'Terminal=false',
    'Categories=Utility;',
    'X-GNOME-Autostart-enabled=true',
    'X-GNOME-Autostart-Delay=5',
    '',
  ].join('\n');
}

export function createLoginItem(options: LoginItemOptions): LoginItem {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const execPath = options.execPath ?? process.execPath;
  const args = [...(options.appArgs ?? []), HIDDEN_ARG];

  if (platform !== 'linux') {
    return {
      async isEnabled() {
        return options.app.getLoginItemSettings(platform === 'win32' ? { args } : undefined).openAtLogin;
      },
      async setEnabled(on) {
        options.app.setLoginItemSettings({
          openAtLogin: on,
          // macOS: start without showing the window; Windows: the same through our own argument.
          openAsHidden: true,
          ...(platform === 'win32' ? { args } : {}),
        });
      },
    };
  }

  const file = autostartPath(env);
  // An AppImage's own file (its mount point moves between runs); else the executable.
  const command = [env.APPIMAGE || execPath, ...args];
  return {
    async isEnabled() {
      try {
        const text = await readFile(file, 'utf8');
        return !/^\s*(Hidden\s*=\s*true|X-GNOME-Autostart-enabled\s*=\s*false)\s*$/im.test(text);
      } catch {
        return false;
      }
    },
    async setEnabled(on) {
      if (!on) {
        await rm(file, { force: true });
        return;
      }
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, desktopEntry(command), { mode: 0o644 });
      await rename(tmp, file);
    },
  };
}
