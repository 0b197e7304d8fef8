/**
 * Starts the browser mode for a running application service: a server on a loopback address (127.0.0.1 by
 * default; anything that isn't loopback is refused — this server must never be reachable from the
 * network), a fresh token, and the URL to open, `http://127.0.0.1:PORT/?token=…`. Port 0 picks a free
 * port. `close()` ends the event streams and stops the server; the service stays the caller's to close.
 */
import { isIP } from 'node:net';
import { SyncError } from '../core/model/errors.js';
import { newToken } from './auth.js';
import { createServer } from './createServer.js';
import type { EventRouteOptions } from './routes/events.js';
import type { BrowserModeService } from './service.js';
import { defaultRendererDir } from './static.js';

export interface BrowserModeOptions extends EventRouteOptions {
  service: BrowserModeService;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** A loopback address: 127.0.0.1 (default), another 127.x.y.z, or ::1. */
  host?: string;
  /** The built renderer (default: `<package root>/out/renderer`). */
  rendererDir?: string;
  /** Default: a fresh random one (tests may fix it). */
  token?: string;
}

export interface BrowserMode {
  /** The URL to open, token included. */
  url: string;
  /** The same without the token (safe to print in logs). */
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<BrowserMode> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new SyncError(
      'usage',
      `Refusing to listen on ${host}: the browser mode listens on a loopback address only.`,
      'Reach it from another machine through an SSH tunnel to 127.0.0.1.',
      { code: 'not-loopback' },
    );
  }
  const token = options.token ?? newToken();
  let port = 0;
  const app = await createServer({
    ...options,
    service: options.service,
    token,
    site: { host, port: () => port },
    rendererDir: options.rendererDir ?? defaultRendererDir(),
  });
  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (e) {
    await app.close().catch(() => {});
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new SyncError(
        'usage',
        `Port ${options.port} on ${host} is already in use.`,
        'Choose another port, or port 0 for any free one.',
        { code: 'port-in-use', cause: e },
      );
    }
    throw e;
  }
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new SyncError('internal', 'No listening port.');
  port = address.port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: () => app.close(),
  };
}

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
