/**
 * A TCP proxy on loopback in front of the test S3 server that can slow the bytes down, in either
 * direction (all connections sharing one rate, like one network link), while a test needs a transfer to last (to see its progress, or to cancel it half-way).
 * Nothing is changed in the bytes: the S3 server and the client are the real ones.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ThrottleProxy {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Bytes per second towards the S3 server (uploads), null = as fast as it goes. */
  setUploadRate(bytesPerSecond: number | null): void;
  /** Bytes per second from the S3 server (downloads), null = as fast as it goes. */
  setDownloadRate(bytesPerSecond: number | null): void;
  close(): Promise<void>;
}

const SLICE_MS = 50;

export async function startThrottleProxy(target: string): Promise<ThrottleProxy> {
  const upstream = new URL(target);
  const rates = { up: null as number | null, down: null as number | null };
  // One link: every connection in a direction shares its rate (the time the link is busy until).
  const busyUntil = { up: 0, down: 0 };
  const sockets = new Set<net.Socket>();

  /** Waits for the link to carry `n` more bytes in `direction` at `rate` bytes per second. */
  const take = async (direction: 'up' | 'down', n: number, rate: number) => {
    const now = Date.now();
    const start = Math.max(now, busyUntil[direction]);
    busyUntil[direction] = start + (n * 1000) / rate;
    const wait = busyUntil[direction] - now;
    if (wait > 0) await sleep(wait);
  };

  /** Copies `from` to `to`, throttled in `direction`, with back-pressure. */
  const pump = (from: net.Socket, to: net.Socket, direction: 'up' | 'down') => {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      from.pause();
      chain = chain.then(async () => {
        let rest = chunk;
        while (rest.length > 0) {
          const r = rates[direction];
          const n = r === null ? rest.length : Math.max(1, Math.floor((r * SLICE_MS) / 1000));
          const piece = rest.subarray(0, n);
          rest = rest.subarray(n);
          if (r !== null) await take(direction, piece.length, r);
          if (to.destroyed) return;
          if (!to.write(piece)) await new Promise((res) => to.once('drain', res));
        }
        if (!from.destroyed) from.resume();
      });
    });
    from.on('end', () => {
      void chain.then(() => to.end());
    });
  };

  const server = net.createServer((client) => {
    const server = net.connect({ host: upstream.hostname, port: Number(upstream.port) });
    sockets.add(client);
    sockets.add(server);
    const close = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on('error', close);
    server.on('error', close);
    client.on('close', close);
    server.on('close', close);
    pump(client, server, 'up');
    pump(server, client, 'down');
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const address = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    setUploadRate: (r) => {
      rates.up = r;
    },
    setDownloadRate: (r) => {
      rates.down = r;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
