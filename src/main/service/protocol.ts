/**
 * The service protocol: the contract (src/shared/commands.ts, events.ts) carried over one message port
 * between the main process (ServiceClient) and the process that hosts the AppService (serviceHost, in an
 * Electron utilityProcess). Plain data only, so it crosses a MessagePort, a worker port or child-process IPC.
 *
 *   main → service                                  service → main
 *   { t: 'call', id, name, request }                { t: 'hello', instance, pid, protocol }   once, first
 *   { t: 'subscribe', after }                       { t: 'result', id, result }               a call's Result
 *   { t: 'control', id, op }                        { t: 'event', event }                     AppEvent (seq)
 *   { t: 'secret-reply', id, ok, value | error }    { t: 'secret', id, op, name?, value? }    ask main
 *   { t: 'close', id }                              { t: 'closed', id }                       then it exits
 *
 * - `call`: one command of the contract; the AppService validates the request with the command's schema
 *   and answers a Result (never throws across the port). Ids are the caller's, unique per connection.
 * - `subscribe`: events after `after` (replayed from the service's buffer), then live. Sent once per
 *   connection; `after` is the last seq seen from the same service instance, or 0 for a new one.
 * - `control`: what the desktop app does as itself (pause as "app" — never lifting a user's pause —, a
 *   reconcile scan after sleep). Not reachable from the renderer: ipc.ts only forwards contract commands.
 * - `secret`: the reverse direction. Electron's safeStorage exists only in the main process, so the
 *   service's SecretStore (PortSecretStore) asks main to encrypt/store or load/decrypt one secret; the
 *   plaintext crosses only this private port between our two processes, never the renderer's IPC.
 * - `close`: cancel jobs (in-flight uploads aborted cleanly: they stay queued), stop the watcher, close the
 *   journal; `closed` answers when that is done and the process then exits.
 */
import type { CommandName, Result } from '../../shared/commands.js';
import type { AppError } from '../../shared/errors.js';
import type { AppEvent } from '../../shared/events.js';

export const PROTOCOL_VERSION = 1;

/** What the main process sends the utility process along with the port (parentPort message). */
export const PORT_HANDOFF = 'bilancio-sync:service-port';

export type ControlOp =
  | { op: 'app-pause'; reason: string }
  | { op: 'app-resume' }
  | { op: 'reconcile' }
  | { op: 'watch' };

export type ControlResult =
  | { op: 'app-pause'; paused: boolean; by: 'user' | 'app' | null }
  | { op: 'app-resume'; resumed: boolean }
  | { op: 'reconcile'; ran: boolean }
  | { op: 'watch'; watching: boolean; reason: string | null };

export type SecretOp = 'get' | 'set' | 'delete' | 'names';

export type ToService =
  | { t: 'call'; id: number; name: CommandName; request: unknown }
  | { t: 'subscribe'; after: number }
  | { t: 'control'; id: number; control: ControlOp }
  | { t: 'secret-reply'; id: number; ok: true; value: string | string[] | null }
  | { t: 'secret-reply'; id: number; ok: false; error: AppError }
  | { t: 'close'; id: number };

export type FromService =
  | { t: 'hello'; instance: string; pid: number; protocol: number }
  | { t: 'result'; id: number; result: Result<unknown> }
  | { t: 'control-result'; id: number; result: Result<ControlResult> }
  | { t: 'event'; event: AppEvent }
  | { t: 'secret'; id: number; op: SecretOp; name?: string; value?: string }
  | { t: 'closed'; id: number };

export function isMessage<T extends { t: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}
