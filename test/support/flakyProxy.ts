/**
 * A real TCP proxy on loopback in front of a test server, that misbehaves on command: cuts requests
 * after N bytes, refuses connections, plays dead, or answers 503/429 with Retry-After itself. The
 * client under test meets real resets and real HTTP answers — nothing in it is mocked.
 *
 * It frames HTTP/1.1 requests (head + Content-Length body) in the client→server direction so that
 * rules apply per request, whichever keep-alive connection carries it. The SDK never pipelines, so
 * an injected answer followed by closing the connection can't reorder responses.
 */
import net from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** Body length from Content-Length (0 when absent). */
  contentLength: number;
  headers: Record<string, string>;
}

export type ProxyAction = 'pass' | 'drop' | 'respond' | 'refuse';

export interface ProxyLogEntry {
  /** Date.now() when the request head (or the refused connection) arrived. */
  at: number;
  action: ProxyAction;
  method?: string;
  path?: string;
}

export interface DropRule {
  /** Cut the connection after this many bytes of the request (head + body) reached the server. */
  afterBytes: number;
  /** How many matching requests to cut (default 1; Infinity for all). */
  times?: number;
  match?: (request: ProxiedRequest) => boolean;
}

export interface RespondRule {
  status: number;
  /** S3 error code in the XML body; default by status (SlowDown, TooManyRequests, …). */
  code?: string;
  /** Retry-After header value: seconds ("2") or an HTTP date. */
  retryAfter?: string;
  times?: number;
  match?: (request: ProxiedRequest) => boolean;
}

export interface FlakyProxy {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  /** One entry per request (or refused connection), in arrival order. */
  log: ProxyLogEntry[];
  dropRequests(rule: DropRule): void;
  respond(rule: RespondRule): void;
  /** Destroy the next `times` new connections as soon as they are accepted. */
  refuseConnections(times: number): void;
  /** While down, every connection — open or new — is destroyed at once. */
  setDown(down: boolean): void;
  /** Destroy every open connection (keep-alive ones too). */
  destroyConnections(): void;
  clearRules(): void;
  close(): Promise<void>;
}

interface Counted<T> {
  rule: T;
  left: number;
}

const ERROR_CODES: Record<number, string> = { 429: 'TooManyRequests', 503: 'SlowDown', 500: 'InternalError' };

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstreamUrl = new URL(target);
  const upstreamPort = Number(upstreamUrl.port || 80);
  const upstreamHost = upstreamUrl.hostname;
  const sockets = new Set<net.Socket>();
  const log: ProxyLogEntry[] = [];
  let drops: Counted<DropRule>[] = [];
  let responds: Counted<RespondRule>[] = [];
  let refuse = 0;
  let down = false;

  const take = <T extends { match?: (r: ProxiedRequest) => boolean }>(
    list: Counted<T>[],
    req: ProxiedRequest,
  ) => {
    const hit = list.find((c) => c.left > 0 && (c.rule.match?.(req) ?? true));
    if (hit) hit.left--;
    return hit?.rule;
  };

  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (down || refuse > 0) {
      if (!down) refuse--;
      log.push({ at: Date.now(), action: 'refuse' });
      client.destroy();
      return;
    }
    const upstream = net.connect(upstreamPort, upstreamHost);
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (!responding) client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('data', (d) => {
      if (!responding && !client.write(d)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });

    let pending: Buffer = Buffer.alloc(0);
    let responding = false; // we answered ourselves: swallow the rest, never forward again
    let current: {
      action: ProxyAction;
      remaining: number;
      budget: number;
      answered: boolean;
      req: ProxiedRequest;
      rule?: RespondRule;
    } | null = null;

    const forward = (piece: Buffer) => {
      if (piece.length && !upstream.write(piece)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    };

    const answer = (req: ProxiedRequest, rule: RespondRule) => {
      responding = true;
      upstream.destroy();
      const code = rule.code ?? ERROR_CODES[rule.status] ?? 'ServiceUnavailable';
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>Injected by the flaky proxy.</Message></Error>`;
      const head = [
        `HTTP/1.1 ${rule.status} Injected`,
        'Content-Type: application/xml',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        ...(rule.retryAfter !== undefined ? [`Retry-After: ${rule.retryAfter}`] : []),
        '',
        '',
      ].join('\r\n');
      client.end(req.method === 'HEAD' ? head : head + body);
    };

    client.on('data', (chunk: Buffer) => {
      if (responding) return;
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length && !responding && !client.destroyed) {
        if (!current) {
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return; // wait for the rest of the head
          const headLength = end + 4;
          const req = parseHead(pending.subarray(0, end).toString('latin1'));
          if (down) {
            log.push({ at: Date.now(), action: 'refuse', method: req.method, path: req.path });
            client.destroy();
            return;
          }
          const respondRule = take(responds, req);
          const dropRule = respondRule ? undefined : take(drops, req);
          const action: ProxyAction = respondRule ? 'respond' : dropRule ? 'drop' : 'pass';
          log.push({ at: Date.now(), action, method: req.method, path: req.path });
          current = {
            action,
            remaining: headLength + req.contentLength,
            budget: dropRule?.afterBytes ?? Number.POSITIVE_INFINITY,
            answered: false,
            req,
            rule: respondRule,
          };
          // With Expect: 100-continue the client waits for a go-ahead: answering now is what a server does.
          if (respondRule && req.headers.expect?.toLowerCase() === '100-continue') {
            answer(req, respondRule);
            return;
          }
        }
        const piece = pending.subarray(0, Math.min(pending.length, current.remaining));
        pending = pending.subarray(piece.length);
        current.remaining -= piece.length;
        if (current.action === 'pass') forward(piece);
        else if (current.action === 'drop') {
          const allowed = piece.subarray(0, Math.max(0, Math.min(piece.length, current.budget)));
          current.budget -= allowed.length;
          if (current.budget <= 0) {
            client.destroy();
            upstream.write(allowed, () => upstream.destroy());
            return;
          }
          forward(allowed);
        }
        if (current.remaining === 0) {
          if (current.action === 'respond' && current.rule) {
            answer(current.req, current.rule);
            return;
          }
          current = null;
        }
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const destroyConnections = () => {
    for (const s of sockets) s.destroy();
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    log,
    dropRequests: (rule) => {
      drops.push({ rule, left: rule.times ?? 1 });
    },
    respond: (rule) => {
      responds.push({ rule, left: rule.times ?? 1 });
    },
    refuseConnections: (times) => {
      refuse = times;
    },
    setDown: (value) => {
      down = value;
      if (down) destroyConnections();
    },
    destroyConnections,
    clearRules: () => {
      drops = [];
      responds = [];
      refuse = 0;
      down = false;
    },
    close: async () => {
      destroyConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseHead(text: string): ProxiedRequest {
  const [requestLine = '', ...lines] = text.split('\r\n');
  const [method = '', path = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const contentLength = Number(headers['content-length'] ?? 0) || 0;
  return { method, path, contentLength, headers };
}
