import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RemoteManifest } from '../../src/core/engine/RemoteManifest.js';
import { SyncError } from '../../src/core/errors.js';
import { JOURNAL_MIGRATIONS, Journal } from '../../src/core/journal/index.js';
import { migrate } from '../../src/core/stores/sqliteDatabase.js';
import type { FileEntry } from '../../src/core/types.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'bsync-journal-'));
  dirs.push(d);
  return join(d, 'nested', 'journal.sqlite');
}

function manifest(revision: number, full = true): RemoteManifest {
  return {
    format: 'bilancio-sync/manifest@1',
    sweep: 's1',
    sweepType: 'balanced',
    revision,
    full,
    createdAt: '2025-01-01T00:00:00.000Z',
    syncedAt: `2025-01-0${revision}T10:00:00.000Z`,
    sourceHost: 'laptop',
    sourcePath: '/home/u/out/experiments/s1',
    toolVersion: '0.1.0',
    files: [
      { path: 'aggregate/comparison.csv', size: 10, mtimeMs: 1712345678901.1235, sha256: 'a'.repeat(64) },
    ],
    objects: [
      { key: 's1/aggregate/comparison.csv', size: 10, sha256: 'a'.repeat(64), kind: 'aggregate', files: [] },
      {
        key: 's1/passive.tar.gz',
        size: 1000,
        sha256: 'b'.repeat(64),
        kind: 'archive',
        branch: 'passive',
        files: [],
      },
    ],
    stats: { comparisonRows: 1, registryRows: 2, totalBytes: 10 },
    warnings: [],
  };
}

let clock = 0;
const now = () => new Date(clock);
let file: string;
let journal: Journal;
beforeEach(() => {
  clock = Date.parse('2025-03-01T12:00:00.000Z');
  file = tempFile();
  journal = Journal.open(file, { now });
});
afterEach(() => journal.close());

describe('Journal', () => {
  it('upserts sweeps by path, keeping their state', () => {
    const s = journal.upsertSweep({ path: '/out/experiments/s1', name: 's1', sweepType: 'balanced' });
    expect(s).toMatchObject({
      id: 1,
      state: 'detected',
      attempts: 0,
      lastError: null,
      sweepType: 'balanced',
    });
    journal.setState(s.id, 'queued', 'complete and quiet');
    const again = journal.upsertSweep({ path: '/out/experiments/s1', name: 's1', sweepType: 'balanced' });
    expect(again).toMatchObject({ id: s.id, state: 'queued', stateReason: 'complete and quiet' });
    journal.upsertSweep({ path: '/other/s1', name: 's1', sweepType: null, state: 'running' });
    expect(journal.getSweepByPath('/out/experiments/s1')?.id).toBe(s.id);
    expect(journal.getSweepByPath('/nope')).toBeNull();
    expect(journal.listSweeps({ name: 's1' })).toHaveLength(2);
    expect(journal.listSweeps({ state: 'running' }).map((x) => x.path)).toEqual(['/other/s1']);
    expect(journal.getSweepByName('s1')?.path).toBe('/other/s1'); // most recently updated
    expect(() => journal.setState(s.id, 'bogus' as never, null)).toThrow(SyncError);
    expect(() => journal.setState(999, 'queued', null)).toThrow(
      expect.objectContaining({ category: 'not-found' }),
    );
  });

  it('sets state with a retry time; attempts count failures and reset on success', () => {
    const s = journal.upsertSweep({ path: '/s1', name: 's1', sweepType: 'ring' });
    const a1 = journal.startAttempt(s.id);
    clock += 1500;
    const done = journal.finishAttempt(a1, { result: 'failed', error: 'R2 said 503', bytesUploaded: 10 });
    expect(done).toMatchObject({
      result: 'failed',
      durationMs: 1500,
      bytesUploaded: 10,
      error: 'R2 said 503',
    });
    const failed = journal.setState(s.id, 'failed', 'upload failed', {
      nextRetryAt: '2025-03-01T12:05:00.000Z',
    });
    expect(failed).toMatchObject({
      attempts: 1,
      lastError: 'R2 said 503',
      nextRetryAt: '2025-03-01T12:05:00.000Z',
    });
    journal.finishAttempt(journal.startAttempt(s.id), { result: 'aborted' });
    expect(journal.getSweep(s.id)?.attempts).toBe(1);
    const a3 = journal.startAttempt(s.id);
    journal.finishAttempt(a3, { result: 'synced', bytesUploaded: 1010, objectsUploaded: 2 });
    expect(journal.setState(s.id, 'synced', null)).toMatchObject({
      attempts: 0,
      lastError: null,
      nextRetryAt: null,
    });
    const history = journal.listAttempts({ sweepId: s.id });
    expect(history.map((a) => a.result)).toEqual(['synced', 'aborted', 'failed']);
    expect(journal.listAttempts({ limit: 1 })[0]?.objectsUploaded).toBe(2);
  });

  it('closes attempts a dead process left open', () => {
    const s = journal.upsertSweep({ path: '/s1', name: 's1', sweepType: 'ring' });
    const id = journal.startAttempt(s.id);
    clock += 60_000;
    expect(journal.abandonUnfinishedAttempts()).toBe(1);
    expect(journal.listAttempts()[0]).toMatchObject({ id, result: 'aborted', durationMs: 60_000 });
    expect(journal.abandonUnfinishedAttempts()).toBe(0);
  });

  it('records revisions, newest first, with their manifests', () => {
    const s = journal.upsertSweep({ path: '/s1', name: 's1', sweepType: 'balanced' });
    expect(journal.latestRevision(s.id)).toBeNull();
    journal.recordRevision(s.id, manifest(1, false));
    journal.transaction(() => {
      journal.recordRevision(s.id, manifest(2));
      journal.setState(s.id, 'synced', null);
    });
    journal.recordRevision(s.id, manifest(2), { bytes: 7 }); // recording again replaces
    const latest = journal.latestRevision(s.id);
    expect(latest).toMatchObject({ revision: 2, full: true, bytes: 7, syncedAt: '2025-01-02T10:00:00.000Z' });
    expect(latest?.manifest).toEqual(manifest(2));
    expect(latest?.manifest.files[0]?.mtimeMs).toBe(1712345678901.1235);
    expect(journal.listRevisions(s.id).map((r) => [r.revision, r.full, r.bytes])).toEqual([
      [2, true, 7],
      [1, false, 1010],
    ]);
  });

  it('a failing transaction leaves nothing behind', () => {
    const s = journal.upsertSweep({ path: '/s1', name: 's1', sweepType: 'balanced' });
    expect(() =>
      journal.transaction(() => {
        journal.recordRevision(s.id, manifest(1));
        throw new Error('upload of manifest failed');
      }),
    ).toThrow();
    expect(journal.listRevisions(s.id)).toEqual([]);
  });

  it('keeps events, newest first, per sweep, and prunes old ones', () => {
    const s = journal.upsertSweep({ path: '/s1', name: 's1', sweepType: 'balanced' });
    journal.addEvent({ level: 'info', kind: 'started', message: 'Bilancio Sync started' });
    journal.addEvent({
      level: 'warning',
      kind: 'shrunk',
      message: 'comparison.csv shrank from 625 to 12 rows',
      sweepId: s.id,
      data: { before: 625, after: 12, mean: '0E-28' },
    });
    journal.addEvent({ level: 'error', kind: 'failed', message: 'x', sweepId: s.id });
    expect(journal.recentEvents(10).map((e) => e.kind)).toEqual(['failed', 'shrunk', 'started']);
    const [, shrunk] = journal.recentEvents(2, s.id);
    expect(shrunk).toMatchObject({ level: 'warning', sweepId: s.id, data: { before: 625, mean: '0E-28' } });
    expect(shrunk?.at).toBe('2025-03-01T12:00:00.000Z');
    expect(journal.pruneEvents(1)).toBe(2);
    expect(journal.recentEvents(10).map((e) => e.kind)).toEqual(['failed']);
    journal.removeSweep(s.id);
    expect(journal.recentEvents(10)[0]?.sweepId).toBeNull(); // history outlives the sweep
    expect(journal.getSweep(s.id)).toBeNull();
  });

  it('replaces a 12,000-file hash cache in one fast transaction', () => {
    const entries: FileEntry[] = Array.from({ length: 12_000 }, (_, i) => ({
      path: `passive/runs/balanced_passive_${i.toString(16).padStart(12, '0')}/run.html`,
      size: 30_000 + i,
      mtimeMs: 1712345678901.123 + i,
      sha256: i.toString(16).padStart(64, '0'),
    }));
    const t0 = performance.now();
    journal.replaceFileCache('/s1', entries);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1500);
    journal.replaceFileCache('/s2', entries.slice(0, 3));
    const cache = journal.getFileCache('/s1');
    expect(cache.size).toBe(12_000);
    expect(cache.get(entries[11_999]!.path)).toEqual({
      size: entries[11_999]!.size,
      mtimeMs: entries[11_999]!.mtimeMs,
      sha256: entries[11_999]!.sha256,
    });
    journal.replaceFileCache('/s1', entries.slice(5, 7));
    expect([...journal.getFileCache('/s1').keys()]).toEqual([entries[5]!.path, entries[6]!.path]);
    expect(journal.getFileCache('/s2').size).toBe(3);
    expect(journal.getFileCache('/none').size).toBe(0);
  });

  it('stores settings as JSON', () => {
    expect(journal.getSetting('pause')).toBeUndefined();
    journal.setSetting('pause', { until: '2025-03-01T13:00:00.000Z', reason: 'metered network' });
    expect(journal.getSetting('pause')).toEqual({
      until: '2025-03-01T13:00:00.000Z',
      reason: 'metered network',
    });
    journal.setSetting('pause', null);
    expect(journal.getSetting('pause')).toBeNull();
    journal.deleteSetting('pause');
    expect(journal.getSetting('pause')).toBeUndefined();
  });

  it('uses WAL, synchronous=FULL and the latest schema', () => {
    journal.close();
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(JOURNAL_MIGRATIONS.length);
    db.close();
    journal = Journal.open(file);
  });
});

describe('Journal files', () => {
  it('upgrades an older schema, keeping its data', () => {
    const old = tempFile().replace('journal.sqlite', 'old.sqlite');
    Journal.open(old).close(); // creates the folder
    rmSync(old);
    const db = new Database(old);
    migrate(db, old, { what: 'sync journal', migrations: JOURNAL_MIGRATIONS.slice(0, 1) });
    db.prepare(
      "INSERT INTO sweeps (path, name, state, created_at, updated_at) VALUES ('/s1', 's1', 'synced', 'x', 'x')",
    ).run();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'file_cache'").get()).toEqual({
      n: 0,
    });
    db.close();

    const j = Journal.open(old);
    expect(j.getSweepByPath('/s1')?.state).toBe('synced');
    j.replaceFileCache('/s1', [{ path: 'a', size: 1, mtimeMs: 2, sha256: 'c'.repeat(64) }]);
    expect(j.getFileCache('/s1').size).toBe(1);
    j.close();
    const check = new Database(old, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(2);
    check.close();
  });

  it('refuses a journal from a newer version', () => {
    journal.close();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    const e = catchSync(() => Journal.open(file));
    expect(e).toMatchObject({ category: 'configuration' });
    expect(e.message).toContain(file);
    journal = Journal.open(tempFile());
  });

  it('a file that is not a database → configuration error with the path and what to do', () => {
    const bad = tempFile();
    Journal.open(bad).close();
    writeFileSync(bad, 'not a database at all\n'.repeat(100));
    rmSync(`${bad}-wal`, { force: true });
    rmSync(`${bad}-shm`, { force: true });
    const e = catchSync(() => Journal.open(bad));
    expect(e.category).toBe('configuration');
    expect(e.message).toContain(bad);
    expect(e.hint).toContain('move the file aside');
  });

  it('a database with a damaged header → configuration error', () => {
    const bad = tempFile();
    const j = Journal.open(bad);
    j.upsertSweep({ path: '/s1', name: 's1', sweepType: 'ring' });
    j.close();
    const db = new Database(bad);
    db.pragma('journal_mode = DELETE'); // fold the WAL in, so the damage below is all there is
    db.close();
    const bytes = readFileSync(bad);
    bytes.write('garbage garbage!', 0); // the 16-byte "SQLite format 3\0" magic
    writeFileSync(bad, bytes);
    expect(catchSync(() => Journal.open(bad)).category).toBe('configuration');
  });
});

function catchSync(fn: () => unknown): SyncError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SyncError) return e;
    throw e;
  }
  throw new Error('expected a SyncError');
}
