/**
 * The engine in its own process, behind SyncEngine's one method. A full sync reads, hashes and
 * compresses hundreds of MB and parses and writes thousands of catalog rows; much of that is synchronous
 * work (better-sqlite3, CSV parsing, small-file reads) that would stall the service's event loop — and
 * with it every answer to the window — for a few hundred ms at a time. In a child process it has its own
 * event loop, its own libuv threadpool (gzip there no longer delays the service's file reads) and a
 * lower priority. The browser mode and the desktop app use it; the CLI, with no window to keep
 * responsive, runs the engine in process.
 *
 * One child, started at the first sync and kept; if it dies, the syncs in flight fail with a clear error
 * and the next sync starts a new one. The configuration (secrets resolved) goes over the IPC channel,
 * never in argv or the environment.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AppConfig } from '../config/loadConfig.js';
import type { SyncEngine, SyncOptions, SyncOutcome } from '../engine/SyncEngine.js';
import { SyncError } from '../model/errors.js';
import type { FromEngine, ToEngine } from './protocol.js';
import { errorFromWire } from './wireErrors.js';

interface Pending {
  resolve(outcome: SyncOutcome): void;
  reject(e: Error): void;
  onEvent: SyncOptions['onEvent'];
}

/** How long `close` waits for the child to close its destinations before it is killed. */
const CLOSE_GRACE_MS = 5000;

export class OffloadedEngine implements Pick<SyncEngine, 'syncSweep'> {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private retiring = false;

  constructor(private readonly config: AppConfig) {}

  syncSweep(sweepPath: string, options: SyncOptions = {}): Promise<SyncOutcome> {
    // A prefetched walk can't cross to the engine process, which walks the folder itself.
    const { signal, onEvent, prefetched: _prefetched, ...wire } = options;
    if (signal?.aborted) return Promise.reject(abortError());
    if (this.retiring) {
      return Promise.reject(new SyncError('internal', 'This engine was closed for new settings.'));
    }
    let child: ChildProcess;
    try {
      child = this.spawned();
    } catch (e) {
      return Promise.reject(e);
    }
    const id = this.nextId++;
    return new Promise<SyncOutcome>((resolve, reject) => {
      const onAbort = (): void => this.send(child, { type: 'abort', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        onEvent,
        resolve: (o) => {
          done();
          resolve(o);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      this.send(child, { type: 'sync', id, path: sweepPath, options: wire });
    });
  }

  /** The engine process's pid while one runs (diagnostics; the tests kill it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** No new syncs (settings changed); the child exits once those in flight have finished. */
  closeWhenIdle(): void {
    this.retiring = true;
    if (this.pending.size === 0) void this.close();
  }

  /** Syncs in flight are aborted (the child cleans up as a cancelled sync does), then it exits. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.send(child, { type: 'close' });
    const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  private spawned(): ChildProcess {
    if (this.child) return this.child;
    const child = forkEngineHost();
    child.on('message', (m: FromEngine) => this.onMessage(m));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      this.failAll(code, signal);
    });
    child.on('error', () => {
      // 'exit' follows (or the fork itself failed: then there is no process and 'exit' fires too).
    });
    this.child = child;
    this.send(child, { type: 'init', config: this.config });
    return child;
  }

  private onMessage(m: FromEngine): void {
    const call = this.pending.get(m.id);
    if (!call) return;
    if (m.type === 'event') {
      call.onEvent?.(m.event);
      return;
    }
    this.pending.delete(m.id);
    if (m.type === 'result') call.resolve(m.outcome);
    else call.reject(errorFromWire(m.error));
    if (this.retiring && this.pending.size === 0) void this.close();
  }

  private failAll(code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
    for (const [id, call] of this.pending) {
      this.pending.delete(id);
      call.reject(
        new SyncError(
          'internal',
          `The engine process ${how} during the sync.`,
          'Sync again: nothing was committed, and the next sync starts a new engine process.',
          { code: 'engine-process-exited' },
        ),
      );
    }
  }

  private send(child: ChildProcess, m: ToEngine): void {
    if (child.connected) child.send(m);
  }
}

/**
 * The engine process's entry: this folder's TypeScript source under tsx (development, tests, the CLI
 * today), or the built `engineHost.js` of out/main/ (electron-vite's second main entry), next to the
 * bundle that contains this module or one folder up when that is a shared chunk in out/main/chunks/.
 * ELECTRON_RUN_AS_NODE makes an Electron binary behave as the Node it bundles (the ABI better-sqlite3 was
 * rebuilt for); plain Node ignores it.
 */
function forkEngineHost(): ChildProcess {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const candidates = fromSource ? ['./engineHostMain.ts'] : ['./engineHost.js', '../engineHost.js'];
  const paths = candidates.map((c) => fileURLToPath(new URL(c, here)));
  const entry = paths.find((p) => existsSync(p));
  if (!entry) {
    throw new SyncError(
      'internal',
      `The engine process's entry is missing (looked for ${paths.join(', ')}).`,
      'Rebuild the app (npm run build) or reinstall it.',
      { code: 'engine-entry-missing' },
    );
  }
  return fork(entry, [], {
    serialization: 'advanced',
    // tsx found from here, not from the working folder (which may be anywhere).
    execArgv: fromSource ? ['--import', pathToFileURL(createRequire(here).resolve('tsx')).href] : [],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function abortError(): Error {
  const err = new Error('The sync was cancelled');
  err.name = 'AbortError';
  return err;
}
