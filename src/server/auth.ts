/**
 * Token authentication, as Jupyter does it. The server makes a random token (32 bytes from the OS's CSPRNG,
 * 256 bits, base64url) and prints it in its URL. A GET carrying the right `?token=` is answered with an
 * HttpOnly, SameSite=Strict session cookie holding the token and a redirect to the same URL without it, so the
 * token leaves the address bar (and the history) at once; every later request proves itself with that cookie
 * — or, for scripts, with an `Authorization: Bearer <token>` header. Anything else is answered 401: the
 * page, its assets and the API alike. Tokens are compared in constant time (on their SHA-256 digests, so
 * not even the length leaks). The cookie's name carries the port, so two servers on one machine (cookies
 * ignore ports) don't overwrite each other's; it has no `Secure` flag because the server speaks plain
 * HTTP on loopback, where browsers would drop a Secure cookie.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refuse } from './refuse.js';

/** A fresh token: 256 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function cookieName(port: number): string {
  return `bilancio-sync-${port}`;
}

export interface AuthOptions {
  token: string;
  port(): number;
}

/** Registered after the Host check and after @fastify/cookie (which parses `request.cookies`). */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    const url = new URL(request.url, 'http://placeholder');
    const given = url.searchParams.get('token');
    if (given !== null && (request.method === 'GET' || request.method === 'HEAD')) {
      if (sameToken(given, options.token)) {
        url.searchParams.delete('token');
        reply.setCookie(cookieName(options.port()), options.token, {
          httpOnly: true,
          sameSite: 'strict',
          path: '/',
        });
        // Path and query only, one leading slash: never a redirect to another host (`//evil.example`).
        return reply.redirect(`/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`, 302);
      }
      // A wrong token in the URL is ignored: the request stands on its cookie or header alone.
    }
    if (isAuthenticated(request, options)) return;
    return refuse(
      request,
      reply,
      401,
      'unauthorized',
      'Not signed in to this Bilancio Sync server.',
      'Open the address `bilancio-sync ui` printed (it carries the token); a restarted server prints a new one.',
    );
  });
}

function isAuthenticated(request: FastifyRequest, options: AuthOptions): boolean {
  const cookie = request.cookies[cookieName(options.port())];
  if (cookie !== undefined && sameToken(cookie, options.token)) return true;
  const header = request.headers.authorization;
  const bearer = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return bearer?.[1] !== undefined && sameToken(bearer[1], options.token);
}
