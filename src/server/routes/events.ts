/**
 * The service's events as server-sent events: `GET /api/events`. Every event is one SSE message,
 * `id: <seq>` and `data: <the envelope as JSON>`, so the browser's EventSource remembers the last sequence
 * number and sends it back as `Last-Event-ID` when it reconnects; the server then replays what came after
 * it from the service's replay buffer (`?after=N` asks the same on a first connection). If the buffer no
 * longer holds all of that (events were dropped, or the number is from another server's lifetime) an
 * `event: reset` comes first, telling the page to refetch everything. After the replay comes
 * `event: ready` (with `id:` the last sequence number, so even a quiet stream reconnects at the right
 * place), then the live events. Replay and live subscription happen in one synchronous step, so no event
 * falls between them. A comment line every 15 s keeps proxies and the connection alive; the subscription
 * ends when the client goes away, and a client that stops reading (megabytes queued) is cut off — its
 * EventSource reconnects and replays.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { AppEvent } from '../../shared/events.js';
import { SECURITY_HEADERS } from '../headers.js';
import { refuse } from '../refuse.js';
import type { BrowserModeService } from '../service.js';

export interface EventRouteOptions {
  /** Comment line interval (default 15 s). */
  heartbeatMs?: number;
  /** Reconnect delay the server suggests to EventSource (default 2 s). */
  retryMs?: number;
}

/** Bytes queued for one slow client before it is cut off. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

export function registerEventRoutes(
  app: FastifyInstance,
  service: BrowserModeService,
  options: EventRouteOptions = {},
): void {
  const streams = new Set<ServerResponse>();
  // Open streams never end by themselves: end them when the server closes.
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });

  app.get<{ Querystring: { after?: string } }>(
    '/api/events',
    { exposeHeadRoute: false },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      const given = (Array.isArray(header) ? header[0] : header) ?? request.query.after;
      const after = given === undefined || given === '' ? undefined : parseSeq(given);
      if (after === null) {
        return refuse(request, reply, 400, 'bad-event-id', `"${given}" is not an event sequence number.`);
      }

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      streams.add(res);
      const write = (chunk: string) => {
        if (res.writableEnded || res.destroyed) return;
        if (!res.write(chunk) && res.writableLength > MAX_QUEUED_BYTES) res.destroy();
      };
      const message = (e: AppEvent) => `id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`;

      write(`retry: ${options.retryMs ?? 2_000}\n\n`);
      const last = service.bus.lastSeq;
      if (after !== undefined) {
        // A number beyond ours comes from an earlier server: all we hold is news to that page.
        const { events, complete } = service.bus.since(after > last ? 0 : after);
        if (!complete || after > last) {
          write(`event: reset\ndata: ${JSON.stringify({ after, lastSeq: last })}\n\n`);
        }
        for (const e of events) write(message(e));
      }
      write(`event: ready\nid: ${last}\ndata: ${JSON.stringify({ lastSeq: last })}\n\n`);

      const closed = new AbortController();
      service.subscribe((e) => write(message(e)), { signal: closed.signal });
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), options.heartbeatMs ?? 15_000);
      heartbeat.unref();
      res.on('close', () => {
        clearInterval(heartbeat);
        closed.abort();
        streams.delete(res);
      });
    },
  );
}

function parseSeq(text: string): number | null {
  return /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : null;
}
