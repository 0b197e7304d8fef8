/**
 * A TCP proxy on loopback that misbehaves on one connection, in one direction, as a network or a server
 * does: it cuts the connection after N bytes (a dropped connection mid-request, a truncated response), it
 * delays every chunk (latency), it trickles bytes (a slow body), or it refuses connections. It speaks no
 * protocol, so the same proxy sits in front of s3rver and of PostgreSQL. (HTTP answers such as a 503 with
 * Retry-After come from test/support/flakyProxy.ts, which frames requests.)
 *
 * "up" is client → server (a request, a query), "down" is server → client (a response, a result).
 */
import net from 'node:net';

export type Direction = 'up' | 'down';

export type Fault =
  | { kind: 'none' }
  /** Cut both sides once `afterBytes` have passed in `direction` on the `connection`-th connection (1-based). */
  | { kind: 'drop'; connection: number; direction: Direction; afterBytes: number }
  /** Every chunk in both directions waits `ms` before it is passed on (order kept). */
  | { kind: 'latency'; ms: number }
  /** `direction` of the `connection`-th connection is throttled to `bytesPerSecond`. */
  | { kind: 'slow'; connection: number; direction: Direction; bytesPerSecond: number }
  /** The first `connections` connections are closed as soon as they are accepted. */
  | { kind: 'refuse'; connections: number };

export interface FaultProxy {
  port: number;
  /** Applies to connections accepted from now on; also resets the connection count. */
  setFault(fault: Fault): void;
  /** Whether the current fault actually hit a connection (a drop fired, a refusal happened, …). */
  fired(): boolean;
  connections(): number;
  destroyConnections(): void;
  close(): Promise<void>;
}

const SLICE = 16 * 1024;

export async function startFaultProxy(targetHost: string, targetPort: number): Promise<FaultProxy> {
  let fault: Fault = { kind: 'none' };
  let accepted = 0;
  let hit = false;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const n = ++accepted;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (fault.kind === 'refuse' && n <= fault.connections) {
      hit = true;
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    const current = fault;
    pump(client, upstream, 'up', n, current);
    pump(upstream, client, 'down', n, current);
  });

  /** Moves bytes from `from` to `to`, one chunk at a time, applying the fault; backpressure kept. */
  const pump = (from: net.Socket, to: net.Socket, direction: Direction, n: number, f: Fault): void => {
    const mine = (f.kind === 'drop' || f.kind === 'slow') && f.connection === n && f.direction === direction;
    if (f.kind === 'none' || (f.kind !== 'latency' && !mine)) {
      from.pipe(to);
      return;
    }
    let budget = f.kind === 'drop' ? f.afterBytes : Number.POSITIVE_INFINITY;
    const queue: Array<{ chunk: Buffer; at: number }> = [];
    let busy = false;
    const work = async (): Promise<void> => {
      busy = true;
      while (queue.length > 0 && !to.destroyed) {
        const { chunk, at } = queue.shift()!;
        // Each chunk leaves `ms` after it arrived: latency, not a bandwidth cap.
        if (f.kind === 'latency') await sleep(at + f.ms - Date.now());
        if (f.kind === 'drop') {
          const allowed = chunk.subarray(0, Math.max(0, Math.min(chunk.length, budget)));
          budget -= allowed.length;
          if (budget <= 0) {
            hit = true;
            to.write(allowed, () => {
              from.destroy();
              to.destroy();
            });
            queue.length = 0;
            break;
          }
          to.write(allowed);
        } else if (f.kind === 'slow') {
          hit = true;
          for (let at = 0; at < chunk.length && !to.destroyed; at += SLICE) {
            const slice = chunk.subarray(at, at + SLICE);
            to.write(slice);
            await sleep((slice.length / f.bytesPerSecond) * 1000);
          }
        } else {
          hit = true;
          to.write(chunk);
        }
      }
      busy = false;
      if (queue.length === 0) from.resume();
    };
    from.on('data', (chunk: Buffer) => {
      queue.push({ chunk, at: Date.now() });
      if (queue.length > 8) from.pause();
      if (!busy) void work();
    });
    from.on('end', () => {
      const finish = (): void => {
        if (busy || queue.length > 0) setTimeout(finish, 5);
        else to.end();
      };
      finish();
    });
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const destroyConnections = (): void => {
    for (const s of sockets) s.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    setFault: (f) => {
      fault = f;
      accepted = 0;
      hit = false;
    },
    fired: () => hit,
    connections: () => accepted,
    destroyConnections,
    close: async () => {
      destroyConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sleep = (ms: number): Promise<void> =>
  ms <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, ms));
