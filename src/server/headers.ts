/**
 * Security headers on every answer of the browser mode — the page, its assets, the API and the refusals
 * alike. The Content-Security-Policy lets the page load and talk only to this server (scripts from files
 * only, no inline or eval; inline styles allowed because React components style with `style={…}`), never
 * be framed, and never post a form or change its base URL anywhere; `nosniff` stops a browser from
 * reinterpreting a JSON answer as a script; `no-referrer` keeps the URLs of this loopback server (and any
 * token still in one) out of every outgoing request. Everything defaults to `Cache-Control: no-store`
 * (the API, the page, refusals); the static assets, whose names carry a content hash, override it.
 */
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Sets the headers first thing, so even a 401 or 403 (sent by a later hook) carries them. */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
}
