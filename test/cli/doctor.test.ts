import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { s3Env } from '../support/cloudApp.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('bilancio-sync doctor against real servers', () => {
  let s3: TestS3;
  let db: TestPostgres;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    [s3, db] = await Promise.all([startTestS3(), startTestPostgres()]);
    home = await mkdtemp(join(tmpdir(), 'bsync-doctor-'));
    env = { HOME: home, BILANCIO_SYNC_HOME: home, ...s3Env(s3), BILANCIO_DATABASE_URL: db.url };
  });
  afterAll(async () => {
    await Promise.allSettled([s3?.stop(), db?.stop()]);
    await rm(home, { recursive: true, force: true });
  });

  it('reports both destinations ok when they are', async () => {
    const r = await runCli(['doctor', '--json'], env, home);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.checks.map((c: { ok: boolean }) => c.ok)).toEqual([true, true]);
    expect(r.stdout).not.toContain(s3.secretAccessKey);
  });

  it('names an unknown bucket, and an unreachable host, each in its own words and exit code', async () => {
    const bucket = await runCli(['doctor'], { ...env, R2_BUCKET_NAME: 'no-such-bucket-here' }, home);
    expect(bucket.code).toBe(3);
    expect(bucket.stdout).toMatch(/no-such-bucket-here/);
    expect(bucket.stdout).toMatch(/R2_BUCKET_NAME/);

    const port = await closedPort();
    const down = await runCli(['doctor'], { ...env, R2_ENDPOINT_URL: `http://127.0.0.1:${port}` }, home);
    expect(down.code).toBe(4);
    expect(down.stdout).toMatch(/Can't reach/);

    const badDb = new URL(db.url);
    badDb.password = 'wrong-password';
    const auth = await runCli(['doctor'], { ...env, BILANCIO_DATABASE_URL: badDb.toString() }, home);
    expect(auth.code).toBe(3);
    expect(auth.stdout).toMatch(/BILANCIO_DATABASE_URL/);
    expect(auth.stdout + auth.stderr).not.toContain('wrong-password');
  });
});
