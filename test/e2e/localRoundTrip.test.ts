import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/core/engine/manifestIO.js';
import { manifestKey } from '../../src/core/model/keys.js';
import { restoreSweep } from '../../src/core/restore/Restorer.js';
import { verifyRemote } from '../../src/core/restore/verifyRemote.js';
import type { SweepType } from '../../src/shared/states.js';
import { generateSweep, resumeSweep } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';
import { hashTree } from '../support/tree.js';

const LAYOUTS: SweepType[] = ['balanced', 'dealer', 'ring', 'aggregate-only'];

describe('sync → delete → download on the embedded default', () => {
  let work: string;
  let app: Awaited<ReturnType<typeof openLocalApp>>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-e2e-'));
    app = await openLocalApp();
  });
  afterAll(async () => {
    await app?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it.each(LAYOUTS)('%s: every file comes back byte-identical', async (type) => {
    const sweep = await generateSweep({ root: join(work, 'experiments'), type, pairs: 3, extras: true });
    const before = await hashTree(sweep.dir);
    const result = await app.engine.syncSweep(sweep.dir, { full: true });
    expect(result.result).toBe('synced');
    await rm(sweep.dir, { recursive: true });

    const out = join(work, 'restored', sweep.name);
    const restored = await restoreSweep(app.store, sweep.name, out);
    expect(restored.files).toBe(before.size);
    expect(await hashTree(out)).toEqual(before);
    expect((await verifyRemote(app.store, sweep.name, { deep: true })).problems).toEqual([]);
  });

  it('syncing twice: one catalog row per pair, second run uploads nothing', async () => {
    const sweep = await generateSweep({
      root: join(work, 'twice'),
      name: 'twice',
      type: 'balanced',
      pairs: 4,
    });
    const first = await app.engine.syncSweep(sweep.dir, { full: true });
    const second = await app.engine.syncSweep(sweep.dir, { full: true });
    expect(first.objectsUploaded).toBeGreaterThan(0);
    expect(second.result).toBe('noop');
    expect(second.objectsUploaded).toBe(0);
    expect(second.bytesUploaded).toBe(0);
    const rows = await app.catalog.listComparisonRows(sweep.name, { owner: app.config.owner });
    expect(rows).toHaveLength(4);
    const keys: string[] = [];
    for await (const o of app.store.list(`${sweep.name}/`)) keys.push(o.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain(`${sweep.name}/manifest.json`);
    expect(keys).toContain(`${sweep.name}/passive.tar.gz`);
  });

  it('hashes each archived file once, and still finds an unchanged sweep without the journal cache', async () => {
    const sweep = await generateSweep({ root: join(work, 'once'), name: 'once', type: 'balanced', pairs: 3 });
    const first = await app.engine.syncSweep(sweep.dir, { full: true });
    expect(first.result).toBe('synced');
    // Every file's sha256 (hashed by the archive writer for archived files) is in the manifest...
    const before = await hashTree(sweep.dir);
    const manifest = (await readManifest(app.store, manifestKey(sweep.name)))!;
    expect(new Map(manifest.files.map((f) => [f.path, f.sha256]))).toEqual(before);
    // ...and in the journal's cache.
    const cache = app.journal.fileCache.get(sweep.dir);
    expect(new Map([...cache].map(([p, c]) => [p, c.sha256]))).toEqual(before);

    // Cold cache: size + mtime as in the last manifest → unchanged.
    app.journal.fileCache.replace(sweep.dir, []);
    expect((await app.engine.syncSweep(sweep.dir, { full: true })).result).toBe('noop');
    // Cold cache, a file touched but the same bytes: hashed up front, still unchanged.
    const html = sweep.files.find((f) => f.startsWith('passive/') && f.endsWith('run.html'))!;
    // (An mtime in the past: a future one would read as "written within the settle window".)
    await utimes(join(sweep.dir, html), new Date(), new Date(Date.now() - 60_000));
    app.journal.fileCache.replace(sweep.dir, []);
    expect((await app.engine.syncSweep(sweep.dir, { full: true })).result).toBe('noop');
    // Changed bytes: a new revision with the new hash, and the other archive reused.
    await appendFile(join(sweep.dir, html), '<!-- more -->');
    const changed = await app.engine.syncSweep(sweep.dir, { full: true });
    expect(changed.result).toBe('synced');
    expect(changed.revision).toBe(2);
    expect(changed.objects.find((o) => o.key.endsWith('/active.tar.gz'))?.action).toBe('reuse');
    expect(changed.objects.find((o) => o.key.endsWith('/passive.tar.gz'))?.action).toBe('upload');
    const after = await hashTree(sweep.dir);
    const m2 = (await readManifest(app.store, manifestKey(sweep.name)))!;
    expect(new Map(m2.files.map((f) => [f.path, f.sha256]))).toEqual(after);
    expect((await app.engine.syncSweep(sweep.dir, { full: true })).result).toBe('noop');
    expect((await verifyRemote(app.store, sweep.name, { deep: true })).problems).toEqual([]);
  });

  it('a resumed sweep whose comparison.csv shrank: warned, earlier revision still downloadable', async () => {
    const sweep = await generateSweep({
      root: join(work, 'resume'),
      name: 'resumed',
      type: 'balanced',
      pairs: 5,
    });
    await app.engine.syncSweep(sweep.dir, { full: true });
    const rev1 = await hashTree(sweep.dir);
    await resumeSweep(sweep.dir, { newPairs: 2 });
    const warnings: string[] = [];
    const second = await app.engine.syncSweep(sweep.dir, {
      full: true,
      onEvent: (e) => e.type === 'warning' && warnings.push(e.message),
    });
    expect(second.revision).toBe(2);
    expect(warnings.join('\n')).toMatch(/shrank from 5 to 2 rows/);
    expect(second.warnings.join('\n')).toMatch(/Revision 1 is kept and can be restored/);

    const old = join(work, 'resume-rev1');
    await restoreSweep(app.store, sweep.name, old, { revision: 1 });
    expect(await hashTree(old)).toEqual(rev1);
    const latest = join(work, 'resume-rev2');
    await restoreSweep(app.store, sweep.name, latest);
    expect(await hashTree(latest)).toEqual(await hashTree(sweep.dir));
  });

  it('a 28-digit decimal and 0E-28 come back from the catalog exactly', async () => {
    const sweep = await generateSweep({
      root: join(work, 'decimals'),
      name: 'decimals',
      type: 'balanced',
      pairs: 3,
    });
    const csv = join(sweep.dir, 'aggregate', 'comparison.csv');
    const text = await readFile(csv, 'utf8');
    const [header, first, ...rest] = text.split('\r\n');
    const cols = header!.split(',');
    const cells = first!.split(',');
    cells[cols.indexOf('kappa')] = '0.4861497874835116517660852997';
    cells[cols.indexOf('delta_passive')] = '0E-28';
    await writeFile(csv, [header, cells.join(','), ...rest].join('\r\n'));
    await app.engine.syncSweep(sweep.dir);
    const rows = await app.catalog.listComparisonRows(sweep.name, { owner: app.config.owner });
    expect(rows[0]!.kappa).toBe('0.4861497874835116517660852997');
    expect(rows[0]!.delta_passive).toBe('0E-28');
  });

  it('a sweep still being written is not synced', async () => {
    const sweep = await generateSweep({
      root: join(work, 'running'),
      name: 'still_running',
      type: 'balanced',
      pairs: 3,
      state: 'running',
    });
    await expect(app.engine.syncSweep(sweep.dir, { full: true })).rejects.toMatchObject({
      category: 'not-ready',
    });
    const crashed = await generateSweep({
      root: join(work, 'crashed'),
      name: 'crashed',
      type: 'balanced',
      pairs: 3,
      state: 'crashed',
    });
    await expect(app.engine.syncSweep(crashed.dir)).rejects.toMatchObject({ category: 'not-ready' });
    expect(await app.catalog.getSweep(sweep.name, app.config.owner)).toBeNull();
    expect(await app.catalog.getSweep(crashed.name, app.config.owner)).toBeNull();
  });

  it('a damaged or truncated archive in the store is refused and leaves the target folder as it was', async () => {
    const sweep = await generateSweep({
      root: join(work, 'damaged'),
      name: 'damaged',
      type: 'dealer',
      pairs: 3,
    });
    await app.engine.syncSweep(sweep.dir, { full: true });
    const root = (app.config.objectStore as { root: string }).root;
    const archive = join(root, 'damaged', 'control.tar.gz');
    const original = await readFile(archive);

    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    await writeFile(archive, flipped);
    const target = join(work, 'damaged-restore');
    await mkdir(target);
    await writeFile(join(target, 'notes.txt'), 'mine');
    await expect(restoreSweep(app.store, 'damaged', target)).rejects.toMatchObject({ category: 'integrity' });
    expect(await readdir(target)).toEqual(['notes.txt']);

    // A folder the restore had to create is removed again: the file system is as it was.
    const fresh = join(work, 'never-created', 'deeper');
    await expect(restoreSweep(app.store, 'damaged', fresh)).rejects.toMatchObject({ category: 'integrity' });
    await expect(readdir(join(work, 'never-created'))).rejects.toMatchObject({ code: 'ENOENT' });

    await writeFile(archive, original.subarray(0, original.length - 100));
    await expect(restoreSweep(app.store, 'damaged', target)).rejects.toMatchObject({ category: 'integrity' });
    expect(await readdir(target)).toEqual(['notes.txt']);
    const problems = (await verifyRemote(app.store, 'damaged', { deep: true })).problems;
    expect([...new Set(problems.map((p) => p.key))]).toEqual(['damaged/control.tar.gz']);

    await writeFile(archive, original);
    await restoreSweep(app.store, 'damaged', target);
    expect((await hashTree(target)).size).toBe((await hashTree(sweep.dir)).size + 1);
  });
});
