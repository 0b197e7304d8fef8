/**
 * The main process's side of the service protocol (protocol.ts): a `Bridge` — the same contract the
 * browser mode's HTTP bridge and the CLI speak — over a port to the process that hosts the AppService.
 * The tray, the notifications and the window's IPC are all clients of this one object.
 *
 * - Calls carry ids; each gets its Result. Calls made before the service said hello are sent when it does.
 * - Events: one subscription to the service per connection, kept in a replay buffer here (same seq as the
 *   service's), so `subscribe({ after })` is answered locally and in order.
 * - The service process dies: calls in flight fail with a `transient` `service-restarted` error (never
 *   silently re-run: a sync or a settings save must not happen twice), a new process is spawned after a
 *   growing pause (crash loops can't spin), and events resume. A new instance numbers its events from 1
 *   again, so listeners first get the reset envelope (seq 0, as the HTTP bridge sends after a lost stream:
 *   "refetch what you show"), then the new instance's events from its first.
 * - Secrets: the service asks (protocol `secret`) and this answers from `secrets` (safeStorage), in main.
 * - `close()`: the service cancels its jobs (uploads stay queued), stops watching and closes the journal;
 *   a service that doesn't answer within `closeTimeoutMs` is killed.
 */

import { toSyncError } from '../../core/model/errors.js';
import type { SecretStore } from '../../core/secrets/SecretStore.js';
import type { Bridge, SubscribeOptions } from '../../shared/bridge.js';
import type { CommandName, CommandRequest, CommandResponse, Result } from '../../shared/commands.js';
import type { AppError } from '../../shared/errors.js';
import type { AppEvent, AppEventListener } from '../../shared/events.js';
import type { Port } from './port.js';
import {
  type ControlOp,
  type ControlResult,
  type FromService,
  isMessage,
  PROTOCOL_VERSION,
  type ToService,
} from './protocol.js';

/** One running service process and its port. */
export interface ServiceConnection {
  port: Port;
  /** Resolves when the process has exited (code, or null if killed by a signal). */
  exited: Promise<{ code: number | null }>;
  kill(): void;
}

export interface ServiceClientOptions {
  /** Starts a service process (the utilityProcess in Electron, a Node child process in tests). */
  spawn(): ServiceConnection;
  /** Answers the service's secret requests (SafeStorageSecretStore in the app). */
  secrets?: SecretStore;
  /** Pauses before respawning, by consecutive failure (the last one repeats). */
  restartDelaysMs?: number[];
  /** A process that lived this long resets the pause sequence. */
  stableAfterMs?: number;
  closeTimeoutMs?: number;
  log?(line: string): void;
  onStatus?(status: ServiceStatus): void;
}

export type ServiceStatus =
  | { state: 'starting' }
  | { state: 'ready'; instance: string; pid: number }
  | { state: 'restarting'; code: number | null; inMs: number }
  | { state: 'closed' };

const REPLAY_EVENTS = 5_000;

/** The envelope that tells a listener "events were lost: reload what you show" (the HTTP bridge's too). */
export function resetEnvelope(): AppEvent {
  return {
    seq: 0,
    at: new Date().toISOString(),
    jobId: null,
    event: { type: 'settings-changed', changed: [] },
  };
}

interface Pending {
  name: string;
  settle(result: Result<unknown>): void;
}

export class ServiceClient implements Bridge {
  private readonly options: ServiceClientOptions;
  private conn: ServiceConnection | null = null;
  private ready = false;
  private instance: string | null = null;
  private nextId = 1;
  /** Sent on the current connection, waiting for their result. */
  private readonly inFlight = new Map<number, Pending>();
  /** Made while no service was ready: sent at hello. */
  private queued: Array<{ id: number; message: ToService; pending: Pending }> = [];
  private readonly listeners = new Set<AppEventListener>();
  private readonly replay: AppEvent[] = [];
  private lastSeqSeen = 0;
  private failures = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private closedResolve: (() => void) | null = null;
  private readyWaiters: Array<() => void> = [];

  constructor(options: ServiceClientOptions) {
    this.options = options;
  }

  /** Spawns the service. Calls made before are queued. */
  start(): this {
    if (!this.conn && !this.closing) this.connect();
    return this;
  }

  /** Resolves once a service instance said hello. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((r) => this.readyWaiters.push(r));
  }

  get currentInstance(): string | null {
    return this.instance;
  }

  get lastSeq(): number {
    return this.lastSeqSeen;
  }

  // ---- Bridge -----------------------------------------------------------------------------------------

  invoke<N extends CommandName>(name: N, request: CommandRequest<N>): Promise<Result<CommandResponse<N>>> {
    return this.send(name, (id) => ({ t: 'call', id, name, request: request ?? {} })) as Promise<
      Result<CommandResponse<N>>
    >;
  }

  subscribe(listener: AppEventListener, options: SubscribeOptions = {}): () => void {
    if (options.signal?.aborted) return () => {};
    if (options.after !== undefined) {
      const oldest = this.replay[0]?.seq ?? this.lastSeqSeen + 1;
      if (options.after < oldest - 1 && this.lastSeqSeen > 0) safe(listener, resetEnvelope());
      for (const e of this.replay) if (e.seq > options.after) safe(listener, e);
    }
    this.listeners.add(listener);
    const unsubscribe = () => {
      this.listeners.delete(listener);
      options.signal?.removeEventListener('abort', unsubscribe);
    };
    options.signal?.addEventListener('abort', unsubscribe, { once: true });
    return unsubscribe;
  }

  /** What the app does as itself (protocol `control`); never reachable from the renderer. */
  control(control: ControlOp): Promise<Result<ControlResult>> {
    return this.send(`control ${control.op}`, (id) => ({ t: 'control', id, control })) as Promise<
      Result<ControlResult>
    >;
  }

  /** Stops the service cleanly (jobs cancelled, watcher stopped, journal closed), then its process. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  // ---- internals ----------------------------------------------------------------------------------------

  private send(name: string, make: (id: number) => ToService): Promise<Result<unknown>> {
    if (this.closing) return Promise.resolve({ ok: false, error: closedError(name) });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const pending: Pending = { name, settle: resolve };
      const message = make(id);
      if (this.ready && this.conn) {
        this.inFlight.set(id, pending);
        this.conn.port.post(message);
      } else {
        this.queued.push({ id, message, pending });
        this.start();
      }
    });
  }

  private connect(): void {
    this.ready = false;
    this.options.onStatus?.({ state: 'starting' });
    let conn: ServiceConnection;
    try {
      conn = this.options.spawn();
    } catch (e) {
      this.options.log?.(`could not start the sync service: ${toSyncError(e).message}`);
      this.lost(null, null);
      return;
    }
    this.conn = conn;
    this.startedAt = Date.now();
    conn.port.onMessage((m) => this.onMessage(conn, m));
    let gone = false;
    const onGone = (code: number | null) => {
      if (gone) return;
      gone = true;
      this.lost(conn, code);
    };
    conn.port.onClose(() => {
      // The port closes with the process; wait a moment for its exit code, for the message.
      const t = setTimeout(() => onGone(null), 1000);
      void conn.exited.then(({ code }) => {
        clearTimeout(t);
        onGone(code);
      });
    });
    void conn.exited.then(({ code }) => onGone(code));
  }

  private onMessage(conn: ServiceConnection, raw: unknown): void {
    if (conn !== this.conn || !isMessage<FromService>(raw)) return;
    const m = raw;
    switch (m.t) {
      case 'hello': {
        if (m.protocol !== PROTOCOL_VERSION) {
          this.options.log?.(`the sync service speaks protocol ${m.protocol}, not ${PROTOCOL_VERSION}`);
        }
        const sameInstance = this.instance === m.instance;
        if (!sameInstance && this.instance !== null) {
          // A new service: its numbering starts again. Tell listeners to reload, drop the old replay.
          this.replay.length = 0;
          this.lastSeqSeen = 0;
          this.emit(resetEnvelope());
        }
        this.instance = m.instance;
        this.ready = true;
        conn.port.post({ t: 'subscribe', after: sameInstance ? this.lastSeqSeen : 0 } satisfies ToService);
        for (const q of this.queued) {
          this.inFlight.set(q.id, q.pending);
          conn.port.post(q.message);
        }
        this.queued = [];
        this.options.onStatus?.({ state: 'ready', instance: m.instance, pid: m.pid });
        for (const w of this.readyWaiters.splice(0)) w();
        return;
      }
      case 'result':
      case 'control-result': {
        const p = this.inFlight.get(m.id);
        if (!p) return;
        this.inFlight.delete(m.id);
        p.settle(m.result);
        return;
      }
      case 'event': {
        if (m.event.seq <= this.lastSeqSeen) return; // a replay overlapping what we have
        this.lastSeqSeen = m.event.seq;
        this.replay.push(m.event);
        if (this.replay.length > REPLAY_EVENTS) this.replay.splice(0, this.replay.length - REPLAY_EVENTS);
        this.emit(m.event);
        return;
      }
      case 'secret':
        void this.answerSecret(conn, m);
        return;
      case 'closed':
        this.closedResolve?.();
        return;
    }
  }

  private async answerSecret(
    conn: ServiceConnection,
    m: Extract<FromService, { t: 'secret' }>,
  ): Promise<void> {
    const store = this.options.secrets;
    let reply: ToService;
    try {
      if (!store) throw toSyncError(new Error('This app keeps no secrets.'), 'configuration');
      let value: string | string[] | null = null;
      if (m.op === 'get') value = await store.get(m.name ?? '');
      else if (m.op === 'set') await store.set(m.name ?? '', m.value ?? '');
      else if (m.op === 'delete') await store.delete(m.name ?? '');
      else value = await store.names();
      reply = { t: 'secret-reply', id: m.id, ok: true, value };
    } catch (e) {
      // The error never carries the value (SecretStores' errors don't quote it; this adds nothing).
      reply = { t: 'secret-reply', id: m.id, ok: false, error: toSyncError(e).toAppError() };
    }
    if (conn === this.conn) conn.port.post(reply);
  }

  private emit(e: AppEvent): void {
    for (const l of [...this.listeners]) safe(l, e);
  }

  /** The process is gone: fail what it held, and start another unless we are closing. */
  private lost(conn: ServiceConnection | null, code: number | null): void {
    if (conn && conn !== this.conn) return;
    const wasReady = this.ready;
    this.conn = null;
    this.ready = false;
    const inFlight = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const p of inFlight)
      p.settle({ ok: false, error: restartedError(p.name, code, this.closing !== null) });
    // Calls queued for a process that never came up fail too (no endless wait on a crash loop).
    if (!wasReady) {
      const queued = this.queued;
      this.queued = [];
      for (const q of queued) q.pending.settle({ ok: false, error: unavailableError(q.pending.name, code) });
    }
    if (this.closing) {
      this.closedResolve?.();
      return;
    }
    const lived = Date.now() - this.startedAt;
    if (lived >= (this.options.stableAfterMs ?? 60_000)) this.failures = 0;
    const delays = this.options.restartDelaysMs ?? [500, 1_000, 2_000, 5_000, 10_000, 30_000];
    const inMs = delays[Math.min(this.failures, delays.length - 1)] ?? 1_000;
    this.failures++;
    this.options.log?.(
      `the sync service stopped unexpectedly (${code === null ? 'killed' : `exit code ${code}`}); starting it again in ${inMs} ms`,
    );
    this.options.onStatus?.({ state: 'restarting', code, inMs });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.closing) this.connect();
    }, inMs);
    this.restartTimer.unref?.();
  }

  private async doClose(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    for (const q of this.queued) q.pending.settle({ ok: false, error: closedError(q.pending.name) });
    this.queued = [];
    const conn = this.conn;
    if (conn) {
      const done = new Promise<void>((r) => {
        this.closedResolve = r;
      });
      if (this.ready) conn.port.post({ t: 'close', id: this.nextId++ } satisfies ToService);
      else conn.kill();
      const timeout = new Promise<'timeout'>((r) => {
        const t = setTimeout(() => r('timeout'), this.options.closeTimeoutMs ?? 15_000);
        t.unref?.();
      });
      if ((await Promise.race([done.then(() => 'closed' as const), timeout])) === 'timeout') {
        this.options.log?.('the sync service did not close in time: stopping it');
        conn.kill();
      }
      // Let it exit by itself (it does after `closed`); make sure it does.
      const exited = await Promise.race([
        conn.exited.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 5_000).unref?.()),
      ]);
      if (!exited) conn.kill();
      conn.port.close();
    }
    this.conn = null;
    this.ready = false;
    this.options.onStatus?.({ state: 'closed' });
  }
}

function safe(listener: AppEventListener, e: AppEvent): void {
  try {
    listener(e);
  } catch {
    // One listener's failure never stops the others.
  }
}

function restartedError(name: string, code: number | null, closing: boolean): AppError {
  if (closing) return closedError(name);
  return {
    category: 'transient',
    code: 'service-restarted',
    message: `The sync service stopped unexpectedly (${code === null ? 'it was killed' : `exit code ${code}`}) before it answered ${name}; it is being started again.`,
    hint: {
      text: 'Try again in a moment. A sync or restore that was running stays in the queue or can be started again.',
    },
  };
}

function unavailableError(name: string, code: number | null): AppError {
  return {
    category: 'transient',
    code: 'service-unavailable',
    message: `The sync service could not start (${code === null ? 'no exit code' : `exit code ${code}`}), so ${name} was not run.`,
    hint: { text: 'Try again in a moment; if it keeps failing, restart Bilancio Sync.' },
  };
}

function closedError(name: string): AppError {
  return {
    category: 'transient',
    code: 'service-closing',
    message: `Bilancio Sync is quitting, so ${name} was not run.`,
    hint: null,
  };
}
