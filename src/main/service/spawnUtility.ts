/**
 * Starts the service process in Electron: `utilityProcess.fork(out/main/serviceProcess.js)`, a
 * MessageChannelMain, one end kept here and the other handed over on the child's parentPort. Electron's
 * APIs are injected (the types only come from electron), so this is tested with stand-ins in Node.
 */

import { type ElectronMessagePortLike, electronPort } from './port.js';
import { PORT_HANDOFF } from './protocol.js';
import type { ServiceConnection } from './ServiceClient.js';

export interface UtilityProcessLike {
  readonly pid?: number | undefined;
  postMessage(message: unknown, transfer?: unknown[]): void;
  once(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'spawn' | 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
  stdout?: NodeJS.ReadableStream | null;
  stderr?: NodeJS.ReadableStream | null;
}

export interface UtilitySpawnDeps {
  utilityProcess: {
    fork(
      modulePath: string,
      args?: string[],
      options?: { serviceName?: string; env?: NodeJS.ProcessEnv; stdio?: 'pipe' | 'inherit' | 'ignore' },
    ): UtilityProcessLike;
  };
  MessageChannelMain: new () => { port1: ElectronMessagePortLike; port2: ElectronMessagePortLike };
}

export function utilitySpawner(
  deps: UtilitySpawnDeps,
  entry: string,
  env: NodeJS.ProcessEnv,
): () => ServiceConnection {
  return () => {
    const child = deps.utilityProcess.fork(entry, [], {
      serviceName: 'Bilancio Sync service',
      env,
      stdio: 'inherit',
    });
    const { port1, port2 } = new deps.MessageChannelMain();
    child.postMessage({ type: PORT_HANDOFF }, [port2]);
    const exited = new Promise<{ code: number | null }>((resolve) => {
      child.once('exit', (code) => resolve({ code: typeof code === 'number' ? code : null }));
    });
    return { port: electronPort(port1), exited, kill: () => void child.kill() };
  };
}
