/**
 * Download and verify need only the object store: with the catalog configured but unreachable (a
 * PostgreSQL URL on a port nothing listens on) and the store reachable, a restore comes back byte for byte,
 * a deep verify finds no problem and the revisions list answers, through the service and through the real
 * CLI; what does need the catalog (search) answers an error saying which database it can't reach.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/service/AppService.js';
import { appErrorSchema } from '../../src/shared/errors.js';
import { type GeneratedSweep, generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';
import { hashTree } from '../support/tree.js';

const SWEEP = 'catalog-down';
const DEAD_HOST = '127.0.0.1:1';

describe('with the catalog unreachable and the store reachable', () => {
  let work: string;
  let env: Record<string, string>;
  let downEnv: Record<string, string>;
  let sweep: GeneratedSweep;
  let source: Map<string, string>;
  let down: AppService;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-catalog-down-'));
    env = {
      BILANCIO_SYNC_HOME: join(work, 'home'),
      BILANCIO_SYNC_SETTLE_SECONDS: '0',
      BILANCIO_SYNC_SECRETS: 'file',
    };
    downEnv = { ...env, BILANCIO_DATABASE_URL: `postgres://u:p@${DEAD_HOST}/none` };
    sweep = await generateSweep({ root: join(work, 'experiments'), name: SWEEP, type: 'balanced', pairs: 3 });
    source = await hashTree(sweep.dir);

    // Synced with the embedded default (local folder store + SQLite catalog)...
    const up = new AppService({ env, cwd: work, checkResponses: true });
    try {
      const job = await up.call('jobs.wait', {
        jobId: (await up.call('sync.start', { path: sweep.dir, full: true })).jobId,
      });
      expect(job.error).toBeNull();
      expect(job.state).toBe('succeeded');
    } finally {
      await up.close();
    }
    // ...then the same home and store, with a PostgreSQL catalog nobody answers for.
    down = new AppService({ env: downEnv, cwd: work, checkResponses: true });
  });

  afterAll(async () => {
    await down?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('the configuration is the local store with a PostgreSQL catalog', async () => {
    const overview = await down.call('status.overview', {});
    expect(overview.destinations.objectStore.kind).toBe('local');
    expect(overview.destinations.catalog.kind).toBe('postgres');
    expect(overview.destinations.catalog.description).not.toContain(':p@');
  });

  it('restores every file byte for byte', async () => {
    const target = await mkdtemp(join(work, 'restore-'));
    const job = await down.call('jobs.wait', {
      jobId: (await down.call('restore.start', { sweep: SWEEP, target })).jobId,
    });
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(job.result?.kind).toBe('restore');
    if (job.result?.kind === 'restore') expect(job.result.value.files).toBe(sweep.files.length);
    expect(await hashTree(target)).toEqual(source);
  });

  it('verifies deeply with no problem', async () => {
    const job = await down.call('jobs.wait', {
      jobId: (await down.call('verify.start', { sweep: SWEEP, deep: true })).jobId,
    });
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(job.result?.kind).toBe('verify');
    if (job.result?.kind !== 'verify') return;
    expect(job.result.value.deep).toBe(true);
    expect(job.result.value.objects).toBeGreaterThan(0);
    expect(job.result.value.problems).toEqual([]);
  });

  it('lists the revisions', async () => {
    const revisions = await down.call('sweeps.revisions', { name: SWEEP });
    expect(revisions.revisions.map((r) => r.revision)).toEqual([1]);
    expect(revisions.revisions[0]!.files).toBe(sweep.files.length);
  });

  it("shows the sweep's page from the store, saying why the catalog's part is missing", async () => {
    const detail = await down.call('sweeps.get', { name: SWEEP });
    expect(detail.catalog).toBeNull();
    expect(detail.catalogError?.category).toMatch(/^(transient|configuration)$/);
    expect(detail.catalogError?.message).toContain(DEAD_HOST);
    expect(detail.fileCount).toBe(source.size);
    const files = await down.call('sweeps.files', { name: SWEEP, limit: 10_000 });
    expect(new Map(files.files.map((f) => [f.path, f.sha256]))).toEqual(source);
  });

  it('answers a search with an error naming the database host, not a crash', async () => {
    const answer = await down.invoke('sweeps.search', {});
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(appErrorSchema.safeParse(answer.error).success).toBe(true);
    expect(['transient', 'configuration']).toContain(answer.error.category);
    expect(answer.error.message).toContain(DEAD_HOST);
    expect(answer.error.message).not.toContain(':p@'); // no password
  });

  it('the CLI downloads and verifies too (exit 0, files byte-identical)', async () => {
    const target = join(work, 'cli-restore');
    const download = await runCli(['download', SWEEP, target], downEnv, work);
    expect(download.code, `${download.stdout}\n${download.stderr}`).toBe(0);
    expect(await hashTree(target)).toEqual(source);

    for (const args of [
      ['verify', SWEEP],
      ['verify', SWEEP, '--deep'],
    ]) {
      const verify = await runCli(args, downEnv, work);
      expect(verify.code, `${args.join(' ')}: ${verify.stdout}\n${verify.stderr}`).toBe(0);
      expect(verify.stdout).toContain('all match the manifest');
    }
  });
});
