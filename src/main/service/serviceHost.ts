/**
 * The service side of the protocol (protocol.ts): hosts one AppService behind a port. Runs in the Electron
 * utilityProcess (serviceProcess.ts) and, in tests, in a plain Node child process — it never imports
 * electron. Every command goes to `service.invoke` as it came (the service validates it against the
 * contract's schema and refuses unknown names); events go out with the service's own seq.
 */
import { randomUUID } from 'node:crypto';
import { SyncError, toSyncError } from '../../core/model/errors.js';
import type { Bridge } from '../../shared/bridge.js';
import type { PausedBy, PauseInfo } from '../../shared/states.js';
import type { Port } from './port.js';
import {
  type ControlOp,
  type ControlResult,
  type FromService,
  isMessage,
  PROTOCOL_VERSION,
  type SecretOp,
  type ToService,
} from './protocol.js';

/** What the host needs of the AppService (AppService has all of it). */
export interface HostedService extends Bridge {
  close(): Promise<void>;
  startWatching(): Promise<unknown>;
  readonly watching: {
    readonly paused: PauseInfo | null;
    pauseSyncing(options: {
      by?: PausedBy;
      forMs?: number | null;
      reason?: string | null;
      abortInFlight?: boolean;
    }): PauseInfo;
    resumeSyncing(by?: PausedBy): boolean;
    reconcileNow(): Promise<void>;
  } | null;
}

/** Asks the other side of the port for a secret operation (the main process's safeStorage). */
export type SecretRequester = (
  op: SecretOp,
  name?: string,
  value?: string,
) => Promise<string | string[] | null>;

export interface ServiceHostOptions {
  port: Port;
  /** Builds the service, given the requester its SecretStore talks through. */
  makeService(requestSecret: SecretRequester): HostedService;
  /** Watch the configured folders from the start (the desktop app does). */
  watch?: boolean;
  /** After `close` was answered (the process entry exits here). */
  onClosed?(): void;
  log?(line: string): void;
}

export interface ServiceHost {
  readonly instance: string;
  readonly service: HostedService;
  /** Resolves once `close` was handled (or the port went away and the service was closed). */
  readonly done: Promise<void>;
}

export function startServiceHost(options: ServiceHostOptions): ServiceHost {
  const { port } = options;
  const log = options.log ?? (() => {});
  const instance = randomUUID();
  const send = (m: FromService) => port.post(m);
  let unsubscribe: (() => void) | null = null;
  let closing: Promise<void> | null = null;
  let closedPort = false;

  // ---- secrets asked of the main process ----
  let nextSecretId = 1;
  const secretCalls = new Map<
    number,
    { resolve(v: string | string[] | null): void; reject(e: Error): void }
  >();
  const requestSecret: SecretRequester = (op, name, value) =>
    new Promise((resolve, reject) => {
      if (closedPort) {
        reject(new SyncError('internal', 'The app is closing: secrets can no longer be read or stored.'));
        return;
      }
      const id = nextSecretId++;
      secretCalls.set(id, { resolve, reject });
      send({
        t: 'secret',
        id,
        op,
        ...(name === undefined ? {} : { name }),
        ...(value === undefined ? {} : { value }),
      });
    });

  const service = options.makeService(requestSecret);
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });

  const close = (): Promise<void> => {
    closing ??= (async () => {
      unsubscribeWatchFollow();
      try {
        await service.close();
      } catch (e) {
        log(`closing the service failed: ${toSyncError(e).message}`);
      }
    })();
    return closing;
  };

  // ---- watching: the configured folders, and again once folders are added to an app with none ----
  const tryWatch = async (): Promise<ControlResult & { op: 'watch' }> => {
    if (service.watching) return { op: 'watch', watching: true, reason: null };
    try {
      await service.startWatching();
      return { op: 'watch', watching: true, reason: null };
    } catch (e) {
      const err = toSyncError(e);
      if (err.code !== 'no-watched-folder') log(`not watching: ${err.message}`);
      return { op: 'watch', watching: false, reason: err.message };
    }
  };
  const unsubscribeWatchFollow = service.subscribe((e) => {
    if (e.event.type === 'folders-changed' && e.event.folders.length > 0 && !service.watching && !closing) {
      void tryWatch();
    }
  });

  const control = async (c: ControlOp): Promise<ControlResult> => {
    const w = service.watching;
    switch (c.op) {
      case 'app-pause': {
        if (!w) return { op: 'app-pause', paused: false, by: null };
        const current = w.paused;
        // Never replace the user's pause (its "until" and reason are theirs), never re-pause our own.
        if (current) return { op: 'app-pause', paused: true, by: current.by };
        // The upload in flight finishes: aborting it would throw away its work; nothing new starts.
        w.pauseSyncing({ by: 'app', forMs: null, reason: c.reason, abortInFlight: false });
        return { op: 'app-pause', paused: true, by: 'app' };
      }
      case 'app-resume': {
        if (!w) return { op: 'app-resume', resumed: false };
        if (!w.paused) return { op: 'app-resume', resumed: false };
        // The app lifts only its own pause (PauseControl/clearPause refuse to lift the user's).
        return { op: 'app-resume', resumed: w.paused.by === 'app' && w.resumeSyncing('app') };
      }
      case 'reconcile': {
        if (!w) return { op: 'reconcile', ran: false };
        await w.reconcileNow();
        return { op: 'reconcile', ran: true };
      }
      case 'watch':
        return tryWatch();
    }
  };

  port.onMessage((raw) => {
    if (!isMessage<ToService>(raw)) return;
    const m = raw;
    switch (m.t) {
      case 'call':
        if (closing) {
          send({
            t: 'result',
            id: m.id,
            result: { ok: false, error: closingError(m.name) },
          });
          return;
        }
        void service.invoke(m.name, m.request as never).then(
          (result) => send({ t: 'result', id: m.id, result }),
          (e: unknown) =>
            send({ t: 'result', id: m.id, result: { ok: false, error: toSyncError(e).toAppError() } }),
        );
        return;
      case 'subscribe':
        unsubscribe?.();
        unsubscribe = service.subscribe((event) => send({ t: 'event', event }), { after: m.after });
        return;
      case 'control':
        void control(m.control).then(
          (value) => send({ t: 'control-result', id: m.id, result: { ok: true, value } }),
          (e: unknown) =>
            send({
              t: 'control-result',
              id: m.id,
              result: { ok: false, error: toSyncError(e).toAppError() },
            }),
        );
        return;
      case 'secret-reply': {
        const call = secretCalls.get(m.id);
        if (!call) return;
        secretCalls.delete(m.id);
        if (m.ok) call.resolve(m.value);
        else call.reject(SyncError.fromAppError(m.error));
        return;
      }
      case 'close':
        void close().then(() => {
          unsubscribe?.();
          send({ t: 'closed', id: m.id });
          resolveDone();
          options.onClosed?.();
        });
        return;
    }
  });

  port.onClose(() => {
    // Main is gone (it crashed or quit without asking): close the journal cleanly all the same.
    closedPort = true;
    for (const call of secretCalls.values()) call.reject(new SyncError('internal', 'The app went away.'));
    secretCalls.clear();
    void close().then(() => {
      resolveDone();
      options.onClosed?.();
    });
  });

  send({ t: 'hello', instance, pid: process.pid, protocol: PROTOCOL_VERSION });
  if (options.watch) void tryWatch();
  return { instance, service, done };
}

function closingError(name: string) {
  return new SyncError('transient', `The app is closing, so ${name} was not run.`, undefined, {
    code: 'service-closing',
  }).toAppError();
}
