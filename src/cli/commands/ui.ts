/**
 * `bilancio-sync ui`: the browser mode. Hosts the application service — watching the given experiments
 * folders, or the configured ones, or none yet (the page's first-run view adds one, and watching starts
 * then) — and serves the window on 127.0.0.1 behind a one-time token (src/server). Prints
 * `Bilancio Sync is running at <url>` on stdout as one line (scripts and tests parse it), opens the
 * browser unless told not to (or on CI, or on Linux without a display), and runs until SIGINT/SIGTERM:
 * then it stops watching (the upload in flight is aborted and stays queued), closes the server and the
 * service. A second signal exits at once.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SyncError, toSyncError } from '../../core/model/errors.js';
import type { AppService } from '../../core/service/AppService.js';
import type { BrowserMode } from '../../server/startBrowserMode.js';
import { runCommand } from '../run.js';

interface UiCliOptions {
  port?: string;
  open: boolean;
  watch: boolean;
}

/** Without --port: this one, or the next free one of the few after it (a stable address for SSH tunnels). */
const DEFAULT_PORT = 8765;
const PORT_TRIES = 10;

export function registerUi(program: Command): void {
  program
    .command('ui')
    .description(
      'Serve the Bilancio Sync window to your browser on 127.0.0.1 (behind a one-time token) and watch the experiments folders',
    )
    .argument('[dirs...]', 'experiments folders to watch (default: the configured watched folders)')
    .option(
      '--port <port>',
      `port on 127.0.0.1; 0 = any free port (default ${DEFAULT_PORT} or the next free)`,
    )
    .option('--no-open', 'print the address, do not open a browser')
    .option('--no-watch', 'serve the window without watching any folder')
    .action((dirs: string[], opts: UiCliOptions) =>
      // The engine in its own process: the window's answers never wait behind a sync.
      runCommand({}, (service) => runUi(service, dirs, opts), { offloadEngine: true }),
    );
}

async function runUi(service: AppService, dirs: string[], opts: UiCliOptions): Promise<void> {
  const roots = dirs.length > 0 ? dirs.map(folder) : undefined;
  const port = opts.port === undefined ? undefined : parsePort(opts.port);

  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((res) => {
    markStopped = res;
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write('second interrupt: exiting now (the next start resumes the queue)\n');
      process.exit(130);
    }
    process.stderr.write(`${signal}: stopping…\n`);
    markStopped();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const watcher = opts.watch ? followWatching(service, roots) : null;
  let mode: BrowserMode | null = null;
  try {
    mode = await listen(service, port);
    process.stdout.write(`Bilancio Sync is running at ${mode.url}\n`);
    process.stderr.write(
      `Press Ctrl-C to stop. From another machine: ssh -L ${mode.port}:127.0.0.1:${mode.port} <this host>, then open the address above.\n`,
    );
    if (opts.open && !openBrowser(mode.url)) {
      process.stderr.write('Open the address above in your browser.\n');
    }
    // After the address is out: the start-up scan can take a while, and the page shows it happening.
    await watcher?.start();
    await stopped;
  } finally {
    watcher?.dispose();
    await service.stopWatching('closing').catch(() => {});
    await mode?.close().catch(() => {});
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Watches the given roots, or the configured folders. Without any, or when starting failed (a setting to
 * fix, another watcher running), it tries again when the page adds a folder or saves settings — the
 * service itself restarts a running watcher on a change of folders, but doesn't start a missing one.
 */
function followWatching(service: AppService, roots: string[] | undefined) {
  let attempt: Promise<void> = Promise.resolve();
  const tryStart = async (initial: boolean) => {
    if (service.watching) return;
    try {
      if (!roots) {
        const { folders } = await service.call('folders.list', {});
        if (folders.length === 0) {
          if (initial) process.stderr.write('No experiments folder to watch yet: add one on the page.\n');
          return;
        }
      }
      const w = await service.startWatching({ roots, journalPollMs: 2_000 });
      process.stderr.write(`watching ${w.roots.join(', ')}\n`);
    } catch (e) {
      const err = toSyncError(e);
      process.stderr.write(`not watching: ${err.message}${err.hint ? ` (${err.hint})` : ''}\n`);
    }
  };
  const unsubscribe = service.subscribe(({ event }) => {
    // Checked now, not later: a watcher that follows the settings is restarting at this moment.
    if ((event.type === 'folders-changed' || event.type === 'settings-changed') && !service.watching) {
      attempt = attempt.then(() => tryStart(false)).catch(() => {});
    }
  });
  return {
    start: () => tryStart(true),
    dispose: unsubscribe,
  };
}

async function listen(service: AppService, port: number | undefined): Promise<BrowserMode> {
  // The HTTP server's modules load only for this command.
  const { startBrowserMode } = await import('../../server/startBrowserMode.js');
  if (port !== undefined) return startBrowserMode({ service, port });
  for (let p = DEFAULT_PORT; p < DEFAULT_PORT + PORT_TRIES; p++) {
    try {
      return await startBrowserMode({ service, port: p });
    } catch (e) {
      if (!(e instanceof SyncError && e.code === 'port-in-use')) throw e;
    }
  }
  return startBrowserMode({ service, port: 0 });
}

/** Opens the URL with the platform's opener, detached, errors ignored; false where none should run. */
function openBrowser(url: string): boolean {
  if (process.env.CI) return false;
  const platform = process.platform;
  if (platform !== 'darwin' && platform !== 'win32' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return false;
  }
  const [command, args]: [string, string[]] =
    platform === 'darwin'
      ? ['open', [url]]
      : platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: 'ignore',
      windowsHide: true,
      windowsVerbatimArguments: platform === 'win32',
    });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

function folder(dir: string): string {
  const abs = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new SyncError('usage', `${abs} is not a folder.`, 'Give an experiments folder to watch.');
  return abs;
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(n) || n > 65_535) {
    throw new SyncError('usage', `--port needs a port number from 0 to 65535, not "${text}".`);
  }
  return n;
}
