/**
 * A sweep's page stays small however many files the sweep has: `sweeps.get` gives counts and sizes, and
 * `sweeps.files` lists the files page by page (path order, filtered by part of a path, each with the object
 * that holds it), from the store's manifest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/service/AppService.js';
import { type GeneratedSweep, generateSweep } from '../fixtures/generator.js';
import { hashTree } from '../support/tree.js';

const SWEEP = 'many_files';

describe('sweeps.get and sweeps.files for a sweep with thousands of files', () => {
  let work: string;
  let service: AppService;
  let sweep: GeneratedSweep;
  let source: Map<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-files-'));
    // 200 pairs of tiny runs: ~3,800 files.
    sweep = await generateSweep({
      root: join(work, 'experiments'),
      name: SWEEP,
      type: 'balanced',
      pairs: 200,
      runHtmlBytes: 100,
    });
    source = await hashTree(sweep.dir);
    const env = { BILANCIO_SYNC_HOME: join(work, 'home'), BILANCIO_SYNC_SETTLE_SECONDS: '0' };
    service = new AppService({ env, cwd: work, checkResponses: true });
    const { jobId } = await service.call('sync.start', { path: sweep.dir, full: true });
    expect((await service.call('jobs.wait', { jobId })).state).toBe('succeeded');
  });

  afterAll(async () => {
    await service?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('sweeps.get answers with counts and sizes, not the file list: a few kB', async () => {
    expect(sweep.files.length).toBeGreaterThan(3000);
    const detail = await service.call('sweeps.get', { name: SWEEP });
    const json = JSON.stringify(detail);
    console.info(`sweeps.get for ${sweep.files.length} files: ${json.length} bytes of JSON`);
    expect(json.length).toBeLessThan(32 * 1024);
    expect(json).not.toContain('run.html');
    expect(detail.fileCount).toBe(sweep.files.length);
    expect(detail.fileBytes).toBe(sweep.totalBytes);
    expect(detail.objects.reduce((n, o) => n + o.files, 0)).toBe(sweep.files.length);
  });

  it('sweeps.files pages through every file once, in path order, each with its object', async () => {
    const limit = 500;
    const seen: string[] = [];
    let total = -1;
    for (let offset = 0; total < 0 || offset < total; offset += limit) {
      const page = await service.call('sweeps.files', { name: SWEEP, offset, limit });
      total = page.total;
      expect(page.revision).toBe(1);
      expect(page.files.length).toBe(Math.min(limit, total - offset));
      expect(JSON.stringify(page).length).toBeLessThan(limit * 400);
      for (const f of page.files) {
        expect(f.sha256).toBe(source.get(f.path));
        // Run data is in its branch's archive; a loose file is its own object.
        if (f.path.includes('/runs/')) expect(f.object).toMatch(/\.tar\.gz$/);
        else expect(f.object.endsWith('.tar.gz') || f.object.endsWith(f.path)).toBe(true);
      }
      seen.push(...page.files.map((f) => f.path));
    }
    expect(total).toBe(sweep.files.length);
    expect(seen).toEqual([...source.keys()].sort());
    // Past the end: an empty page with the total.
    const after = await service.call('sweeps.files', { name: SWEEP, offset: total + 10, limit: 10 });
    expect(after).toMatchObject({ total, files: [] });
  });

  it('filters by part of a path, any case', async () => {
    const page = await service.call('sweeps.files', { name: SWEEP, filter: 'AGGREGATE/', limit: 1000 });
    const want = [...source.keys()].filter((p) => p.toLowerCase().includes('aggregate/')).sort();
    expect(want.length).toBeGreaterThan(0);
    expect(page.total).toBe(want.length);
    expect(page.files.map((f) => f.path)).toEqual(want);
  });

  it('says which revisions exist when asked for one that does not', async () => {
    const answer = await service.invoke('sweeps.files', { name: SWEEP, revision: 7 });
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.code).toBe('revision-not-found');
  });
});
