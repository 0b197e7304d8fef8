/**
 * The browser mode's HTTP server: a fastify app that serves the built renderer and the contract (commands
 * as JSON over POST, events as server-sent events) to the one person holding the token. Every request
 * passes, in this order: the security headers (headers.ts), the Host check against DNS rebinding (403,
 * origin.ts), authentication by token cookie or bearer header (401, auth.ts), the Origin check against CSRF
 * (403, origin.ts) — then a route. Bodies are JSON of at most 1 MiB; the logger is off (URLs can carry the
 * token). It is a shell like the CLI: everything it answers comes from the application service.
 */
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { registerAuth } from './auth.js';
import { registerSecurityHeaders } from './headers.js';
import { registerHostCheck, registerOriginCheck, type Site } from './origin.js';
import { refuse } from './refuse.js';
import { registerCommandRoutes } from './routes/commands.js';
import { type EventRouteOptions, registerEventRoutes } from './routes/events.js';
import type { BrowserModeService } from './service.js';
import { registerRenderer } from './static.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface ServerOptions extends EventRouteOptions {
  service: BrowserModeService;
  token: string;
  site: Site;
  /** The built renderer folder. */
  rendererDir: string;
}

export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Event streams never go idle: close every connection when the server closes.
    forceCloseConnections: true,
    trustProxy: false,
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return refuse(
          request,
          reply,
          400,
          'body-not-json',
          'The request body must be JSON (Content-Type: application/json).',
        );
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return refuse(
          request,
          reply,
          413,
          'body-too-large',
          `The request body is over ${BODY_LIMIT_BYTES} bytes.`,
        );
    }
    if (status >= 500) {
      process.stderr.write(`bilancio-sync ui: internal error: ${error.stack ?? error.message}\n`);
      return refuse(request, reply, 500, 'internal', 'Internal error in the Bilancio Sync server.');
    }
    return refuse(request, reply, status, error.code ?? 'bad-request', error.message);
  });

  // JSON only: a text/plain body is what a cross-site form or "simple" fetch could send without a preflight.
  app.removeContentTypeParser('text/plain');
  await app.register(fastifyCookie);
  registerSecurityHeaders(app);
  registerHostCheck(app, options.site);
  registerAuth(app, { token: options.token, port: options.site.port });
  registerOriginCheck(app, options.site);

  registerCommandRoutes(app, options.service);
  registerEventRoutes(app, options.service, options);
  await registerRenderer(app, options.rendererDir);
  return app;
}
