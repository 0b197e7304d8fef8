/** Issue 8, "must show": `sync --dry-run` leaves the journal's contents unchanged (a dump before and after). */
import { appendFile, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SweepStates } from '../../src/core/watch/SweepStates.js';
import { type RecordedSyncDeps, syncRecorded } from '../../src/core/watch/syncRecorded.js';
import { generateSweep } from '../fixtures/generator.js';
import { openLocalApp } from '../support/localApp.js';

/** Every row of every table of the journal file, read through a connection of its own. */
function dumpJournal(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as Array<{ name: string }>;
    const dump: Record<string, unknown[]> = { user_version: [db.pragma('user_version', { simple: true })] };
    for (const { name } of tables) dump[name] = db.prepare(`SELECT * FROM "${name}" ORDER BY 1`).all();
    return dump;
  } finally {
    db.close();
  }
}

describe('sync --dry-run changes nothing at all', () => {
  let work: string;
  let app: Awaited<ReturnType<typeof openLocalApp>>;
  let deps: RecordedSyncDeps;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-dry-'));
    app = await openLocalApp();
    deps = { engine: app.engine, journal: app.journal, states: new SweepStates(app.journal) };
    // Some history in every table, so that "unchanged" means something.
    const other = await generateSweep({ root: join(work, 'exp'), name: 'other', type: 'ring', pairs: 2 });
    await syncRecorded(deps, other.dir, { full: true });
    app.journal.settings.set('watch.pause', { by: 'user', since: '2025-01-01T00:00:00.000Z', until: null });
  });
  afterAll(async () => {
    await app?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('a sweep never synced: no sweep row, state, attempt, revision, event or hash cache', async () => {
    const sweep = await generateSweep({ root: join(work, 'exp'), name: 'fresh', type: 'balanced', pairs: 3 });
    const before = dumpJournal(app.config.journalPath);
    expect(before.file_hashes!.length).toBeGreaterThan(0);

    const recorded = await syncRecorded(deps, sweep.dir, { full: true, dryRun: true });
    expect(recorded).toMatchObject({ result: 'dry-run', revision: 1, bytesUploaded: 0 });
    expect(recorded.objects.filter((o) => o.action === 'upload').length).toBeGreaterThan(0);
    expect(dumpJournal(app.config.journalPath)).toEqual(before);

    // The engine on its own, too.
    expect((await app.engine.syncSweep(sweep.dir, { full: true, dryRun: true })).result).toBe('dry-run');
    expect(dumpJournal(app.config.journalPath)).toEqual(before);
    expect(app.journal.sweeps.byPath(sweep.dir)).toBeNull();
  });

  it('a synced sweep that changed since: the plan says what changed, the journal stays as it was', async () => {
    const sweep = await generateSweep({ root: join(work, 'exp'), name: 'changed', type: 'dealer', pairs: 3 });
    expect((await syncRecorded(deps, sweep.dir, { full: true })).result).toBe('synced');
    const html = sweep.files.find((f) => f.startsWith('control/') && f.endsWith('run.html'))!;
    await appendFile(join(sweep.dir, html), '<!-- rerun -->');
    // (An mtime in the past: a future one would read as "written within the settle window".)
    await utimes(join(sweep.dir, html), new Date(), new Date(Date.now() - 60_000));
    const before = dumpJournal(app.config.journalPath);

    const plan = await syncRecorded(deps, sweep.dir, { full: true, dryRun: true });
    expect(plan).toMatchObject({ result: 'dry-run', revision: 2 });
    expect(plan.objects.find((o) => o.key.endsWith('/control.tar.gz'))?.action).toBe('upload');
    expect(plan.objects.find((o) => o.key.endsWith('/treatment.tar.gz'))?.action).toBe('reuse');
    expect(dumpJournal(app.config.journalPath)).toEqual(before);

    // And the real sync afterwards still sees the change (nothing was cached by the dry run either).
    const real = await syncRecorded(deps, sweep.dir, { full: true });
    expect(real).toMatchObject({ result: 'synced', revision: 2 });
    expect(dumpJournal(app.config.journalPath)).not.toEqual(before);
  });
});
