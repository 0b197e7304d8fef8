/**
 * Who may talk to the browser mode, by address. DNS rebinding: a hostile web page can make its own name
 * resolve to 127.0.0.1 and then call this server "same-origin" — but its requests still carry its own name
 * in `Host`, so every request whose `Host` is not `127.0.0.1:PORT` or `localhost:PORT` (the port this server
 * listens on) is refused with 403 before anything else looks at it. CSRF: every state-changing request
 * (anything but GET and HEAD) must carry an `Origin` that is this server's own (`http://127.0.0.1:PORT` or
 * `http://localhost:PORT`); browsers always send it on such requests, so a missing one is refused too. A
 * request of any method that carries a foreign `Origin` is refused as well (no cross-origin reads).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refuse } from './refuse.js';

export interface Site {
  /** The address the server listens on (a loopback address). */
  host: string;
  /** The port it listens on (known once it listens: `--port 0` picks one). */
  port(): number;
}

/** The `Host` header values this server answers to. */
export function allowedHosts(site: Site): string[] {
  const port = site.port();
  const own = site.host.includes(':') ? `[${site.host}]:${port}` : `${site.host}:${port}`;
  return [...new Set([`127.0.0.1:${port}`, `localhost:${port}`, own])];
}

/** The `Origin` header values of this server's own page. */
export function allowedOrigins(site: Site): string[] {
  return allowedHosts(site).map((h) => `http://${h}`);
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Registered first (after the security headers): a refused Host never reaches authentication. */
export function registerHostCheck(app: FastifyInstance, site: Site): void {
  app.addHook('onRequest', async (request, reply) => {
    const host = (request.headers.host ?? '').toLowerCase();
    if (!allowedHosts(site).includes(host)) {
      return refuse(
        request,
        reply,
        403,
        'host-refused',
        'Refused: this server answers only to 127.0.0.1 and localhost.',
        'Open the address bilancio-sync ui printed (when forwarding over SSH, keep the same port number).',
      );
    }
  });
}

/** Registered after authentication. */
export function registerOriginCheck(app: FastifyInstance, site: Site): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = originOf(request);
    const stateChanging = !SAFE_METHODS.has(request.method);
    if (origin === undefined ? stateChanging : !allowedOrigins(site).includes(origin.toLowerCase())) {
      return refuse(
        request,
        reply,
        403,
        'origin-refused',
        origin === undefined
          ? 'Refused: a request that changes something must come from the Bilancio Sync page (no Origin header).'
          : 'Refused: the request comes from another web site.',
      );
    }
  });
}

function originOf(request: FastifyRequest): string | undefined {
  const value = request.headers.origin;
  return Array.isArray(value) ? value[0] : value;
}
