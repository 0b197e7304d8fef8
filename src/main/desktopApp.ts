/**
 * The desktop app's life, with Electron's modules injected (index.ts passes the real ones; the boot test
 * passes stand-ins): single instance, the service in its utility process, the window on app://bilancio,
 * the renderer's IPC, the tray and the notifications (clients of the same Bridge), start at login, power
 * and network, and a clean quit.
 *
 * - Single instance: `requestSingleInstanceLock({ route })`; a second launch passes the route it asked for
 *   (`--open=#/activity`) as additionalData (exact, unlike argv, which Chromium may reorder) and this
 *   instance shows the window there.
 * - Starts in the tray (the window opens at start only on first run, when asked with --open, or when
 *   there is no tray). Closing the window keeps syncing; without a tray (vanilla GNOME, or startTray
 *   answering null / throwing), the window opens at start and closing it quits.
 * - Quit: the service closes through the port (jobs cancelled — in-flight uploads aborted cleanly, they
 *   stay queued —, watcher stopped, journal closed), then the app exits.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { configLocation } from '../core/config/loadConfig.js';
import { appPaths } from '../core/config/paths.js';
import type { Bridge } from '../shared/bridge.js';
import { type IpcMainLike, registerRendererIpc } from './ipc.js';
import { createLoginItem, HIDDEN_ARG, type LoginItemApp } from './loginItem.js';
import { type PowerMonitorLike, watchPowerAndNetwork } from './power.js';
import { Preferences } from './preferences.js';
import { type SafeStorageLike, SafeStorageSecretStore } from './secrets/SafeStorageSecretStore.js';
import { ServiceClient } from './service/ServiceClient.js';
import { type UtilitySpawnDeps, utilitySpawner } from './service/spawnUtility.js';
import { SECRETS_DESCRIPTION_ENV } from './serviceProcess.constants.js';
import {
  type BrowserWindowConstructor,
  createWindowManager,
  isOwnUrl,
  type ProtocolLike,
  registerAppScheme,
  rendererDirFrom,
  safeRoute,
  serveRenderer,
} from './window.js';

export interface TrayHandleLike {
  setOffline(offline: boolean): void;
  dispose(): void;
}

export interface TrayStartDeps {
  bridge: Bridge;
  openWindow(route?: string): void;
  quit(): void;
  loginItem: { isEnabled(): boolean | Promise<boolean>; setEnabled(on: boolean): void | Promise<void> };
  resourcesDir: string;
}

export interface AppLike extends LoginItemApp {
  requestSingleInstanceLock(additionalData?: Record<string, unknown>): boolean;
  whenReady(): Promise<unknown>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  quit(): void;
  exit(code?: number): void;
  readonly isPackaged: boolean;
  getAppPath(): string;
  setAppUserModelId?(id: string): void;
}

export interface DesktopElectron extends UtilitySpawnDeps {
  app: AppLike;
  BrowserWindow: BrowserWindowConstructor;
  ipcMain: IpcMainLike;
  protocol: ProtocolLike;
  safeStorage: SafeStorageLike;
  powerMonitor: PowerMonitorLike;
  net: { isOnline(): boolean };
  shell: { openExternal(url: string): Promise<void> };
  dialog: {
    showOpenDialog(
      window: unknown,
      options: { properties: string[]; title?: string; defaultPath?: string },
    ): Promise<{ canceled: boolean; filePaths: string[] }>;
  };
}

export interface DesktopAppOptions {
  electron: DesktopElectron;
  /** The folder of the built main bundle (out/main): serviceProcess.js, ../preload, ../renderer. */
  mainDir: string;
  startTray(deps: TrayStartDeps): TrayHandleLike | null;
  startNotifier(deps: { bridge: Bridge; openWindow(route?: string): void }): { dispose(): void };
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Where the icons are: resources/ in development, process.resourcesPath in a package. */
  resourcesDir?: string;
  log?(line: string): void;
}

export interface LaunchRequest {
  route: string | null;
  hidden: boolean;
}

/** `--open=#/activity` (or `--open #/activity`) and `--hidden`, from a command line. */
export function parseLaunch(argv: string[]): LaunchRequest {
  let route: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--open=')) route = a.slice('--open='.length);
    else if (a === '--open' && argv[i + 1]) route = argv[++i]!;
  }
  return { route: route === null ? null : safeRoute(route), hidden: argv.includes(HIDDEN_ARG) };
}

export interface DesktopApp {
  /** Resolves when the app is up (or false: another instance has the lock). */
  readonly started: Promise<boolean>;
  readonly client: ServiceClient | null;
  quit(): Promise<void>;
}

export function runDesktopApp(options: DesktopAppOptions): DesktopApp {
  const { electron } = options;
  const { app } = electron;
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`[main] ${line}\n`));
  const launch = parseLaunch(options.argv ?? process.argv);

  // Before ready: the app:// scheme must be privileged before any page loads.
  registerAppScheme(electron.protocol);

  let client: ServiceClient | null = null;
  let shuttingDown: Promise<void> | null = null;
  let closedCleanly = false;
  let quitImpl: () => Promise<void> = async () => {
    app.quit();
  };

  if (!app.requestSingleInstanceLock({ route: launch.route, hidden: launch.hidden })) {
    app.quit();
    return { started: Promise.resolve(false), client: null, quit: async () => {} };
  }

  const started = (async () => {
    await app.whenReady();
    const devServerUrl = (!app.isPackaged && env.ELECTRON_RENDERER_URL) || undefined;
    serveRenderer(electron.protocol, rendererDirFrom(options.mainDir));
    app.setAppUserModelId?.('org.bilancio.sync');

    const { configDir } = appPaths(env);
    const prefs = new Preferences(configDir, env);
    const secrets = new SafeStorageSecretStore({ safeStorage: electron.safeStorage, configDir });
    client = new ServiceClient({
      spawn: utilitySpawner(electron, join(options.mainDir, 'serviceProcess.js'), {
        ...env,
        [SECRETS_DESCRIPTION_ENV]: secrets.description,
      }),
      secrets,
      log,
    }).start();
    const bridge: Bridge = client;

    let tray: TrayHandleLike | null = null;
    const ipc = registerRendererIpc({
      ipcMain: electron.ipcMain,
      bridge,
      isOwnUrl: (url) => isOwnUrl(url, devServerUrl),
      log,
      local: {
        'dialog.pickFolder': async (input) => {
          const { purpose, defaultPath } = input as { purpose: string; defaultPath?: string };
          const r = await electron.dialog.showOpenDialog(windows.window, {
            properties: ['openDirectory', 'createDirectory'],
            title:
              purpose === 'restore-target' ? 'Restore into which folder?' : 'Watch which experiments folder?',
            ...(defaultPath ? { defaultPath } : {}),
          });
          return { path: r.canceled ? null : (r.filePaths[0] ?? null) };
        },
      },
    });
    const windows = createWindowManager({
      BrowserWindow: electron.BrowserWindow,
      shell: electron.shell,
      preload: join(options.mainDir, '..', 'preload', 'index.cjs'),
      devServerUrl,
      keepRunningWhenClosed: () => tray !== null,
      onClosedForGood: () => void quitImpl(),
      onCreated: (w) => ipc.attach(w.webContents as never),
    });
    const openWindow = (route?: string) => windows.open(route);

    app.on('second-instance', ((_e: unknown, _argv: string[], _cwd: string, data: unknown) => {
      const route = (data as { route?: unknown } | null)?.route;
      openWindow(typeof route === 'string' ? route : undefined);
    }) as never);
    // Electron quits when the last window closes unless someone listens: we decide (onClosedForGood).
    app.on('window-all-closed', () => {});

    const loginItem = createLoginItem({
      app,
      platform: options.platform,
      env,
      appArgs: app.isPackaged ? [] : [app.getAppPath()],
    });
    try {
      tray = options.startTray({
        bridge,
        openWindow,
        quit: () => void quitImpl(),
        loginItem,
        resourcesDir: options.resourcesDir ?? join(options.mainDir, '..', '..', 'resources'),
      });
    } catch (e) {
      log(`no tray: ${e instanceof Error ? e.message : String(e)}`);
      tray = null;
    }
    let notifier: { dispose(): void } | null = null;
    try {
      notifier = options.startNotifier({ bridge, openWindow });
    } catch (e) {
      log(`no notifications: ${e instanceof Error ? e.message : String(e)}`);
    }
    const power = watchPowerAndNetwork({
      powerMonitor: electron.powerMonitor,
      net: electron.net,
      control: (op) => client!.control(op),
      syncNow: () => bridge.invoke('sync.now', {}),
      pauseOnBattery: () => prefs.get().pauseOnBattery,
      setOffline: (offline) => tray?.setOffline(offline),
      platform: options.platform,
      log,
    });

    const firstRun = !existsSync(configLocation({ env }).configPath);
    if (!tray || launch.route !== null || (firstRun && !launch.hidden)) openWindow(launch.route ?? undefined);

    quitImpl = () => {
      shuttingDown ??= (async () => {
        windows.allowClose();
        power.dispose();
        try {
          tray?.dispose();
          notifier?.dispose();
        } catch {
          // leaving anyway
        }
        ipc.dispose();
        await client?.close();
        closedCleanly = true;
        app.quit();
      })();
      return shuttingDown;
    };
    app.on('before-quit', ((event: { preventDefault(): void }) => {
      if (closedCleanly) return;
      // Quit from the menu, the dock or the OS: close the service cleanly first, then quit for real.
      event.preventDefault();
      void quitImpl();
    }) as never);
    return true;
  })();

  return {
    started,
    get client() {
      return client;
    },
    quit: () => quitImpl(),
  };
}
