import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EVENTS_KEPT,
  EVENTS_MAX_AGE_DAYS,
  PRUNE_EVERY_ADDS,
} from '../../src/core/journal/EventsRepository.js';
import { PART_FILES } from '../../src/core/journal/FileCacheRepository.js';
import { Journal } from '../../src/core/journal/Journal.js';
import { JOURNAL_MIGRATIONS } from '../../src/core/journal/migrations.js';
import { MANIFEST_PART_BYTES } from '../../src/core/journal/RevisionsRepository.js';
import { SyncError } from '../../src/core/model/errors.js';
import type { RemoteManifest } from '../../src/core/model/RemoteManifest.js';
import type { FileEntry } from '../../src/core/model/types.js';
import { migrate } from '../../src/core/stores/sqliteDatabase.js';

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

/** A journal file made by an earlier version: the first `version` migrations applied, open for writing. */
function journalAtVersion(version: number): { old: string; db: Database.Database } {
  const old = tempFile().replace('journal.sqlite', `v${version}.sqlite`);
  Journal.open(old).close(); // creates the folder
  rmSync(old);
  const db = new Database(old);
  db.pragma('foreign_keys = ON');
  migrate(db, old, { what: 'sync journal', migrations: JOURNAL_MIGRATIONS.slice(0, version) });
  return { old, db };
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
    const s = journal.sweeps.upsert({ path: '/out/experiments/s1', name: 's1', sweepType: 'balanced' });
    expect(s).toMatchObject({
      id: 1,
      state: 'detected',
      attempts: 0,
      lastError: null,
      sweepType: 'balanced',
    });
    journal.sweeps.setState(s.id, 'queued', 'complete and quiet');
    const again = journal.sweeps.upsert({ path: '/out/experiments/s1', name: 's1', sweepType: 'balanced' });
    expect(again).toMatchObject({ id: s.id, state: 'queued', stateReason: 'complete and quiet' });
    journal.sweeps.upsert({ path: '/other/s1', name: 's1', sweepType: null, state: 'running' });
    expect(journal.sweeps.byPath('/out/experiments/s1')?.id).toBe(s.id);
    expect(journal.sweeps.byPath('/nope')).toBeNull();
    expect(journal.sweeps.list({ name: 's1' })).toHaveLength(2);
    expect(journal.sweeps.list({ state: 'running' }).map((x) => x.path)).toEqual(['/other/s1']);
    expect(journal.sweeps.byName('s1')?.path).toBe('/other/s1'); // most recently updated
    expect(() => journal.sweeps.setState(s.id, 'bogus' as never, null)).toThrow(SyncError);
    expect(() => journal.sweeps.setState(999, 'queued', null)).toThrow(
      expect.objectContaining({ category: 'not-found' }),
    );
  });

  it('sets state with a retry time; sync attempts count failures and reset on success', () => {
    const s = journal.sweeps.upsert({ path: '/s1', name: 's1', sweepType: 'ring' });
    const sync = () => journal.attempts.start({ kind: 'sync', sweepId: s.id, sweepName: 's1' });
    const a1 = sync();
    clock += 1500;
    const done = journal.attempts.finish(a1, { result: 'failed', error: 'R2 said 503', bytes: 10 });
    expect(done).toMatchObject({
      kind: 'sync',
      sweepName: 's1',
      result: 'failed',
      durationMs: 1500,
      bytes: 10,
      error: 'R2 said 503',
      warnings: [],
      revision: null,
    });
    const failed = journal.sweeps.setState(s.id, 'failed', 'upload failed', {
      nextRetryAt: '2025-03-01T12:05:00.000Z',
    });
    expect(failed).toMatchObject({
      attempts: 1,
      lastError: 'R2 said 503',
      nextRetryAt: '2025-03-01T12:05:00.000Z',
    });
    journal.attempts.finish(sync(), { result: 'aborted' });
    expect(journal.sweeps.get(s.id)?.attempts).toBe(1);
    const a3 = sync();
    journal.attempts.finish(a3, {
      result: 'synced',
      bytes: 1010,
      objects: 2,
      revision: 3,
      warnings: ['comparison.csv shrank'],
    });
    expect(journal.sweeps.setState(s.id, 'synced', null)).toMatchObject({
      attempts: 0,
      lastError: null,
      nextRetryAt: null,
    });
    const history = journal.attempts.list({ sweepId: s.id });
    expect(history.map((a) => a.result)).toEqual(['synced', 'aborted', 'failed']);
    expect(journal.attempts.list({ limit: 1 })[0]).toMatchObject({
      objects: 2,
      bytes: 1010,
      revision: 3,
      warnings: ['comparison.csv shrank'],
    });
  });

  it('keeps restore and verify attempts too, with or without a local sweep, outside the back-off', () => {
    const s = journal.sweeps.upsert({ path: '/s1', name: 's1', sweepType: 'ring' });
    const failedSync = journal.attempts.start({ kind: 'sync', sweepId: s.id, sweepName: 's1' });
    journal.attempts.finish(failedSync, { result: 'failed', error: 'down' });
    // A restore of a sweep never synced here: no sweep row.
    const r = journal.attempts.start({
      kind: 'restore',
      sweepId: null,
      sweepName: 'elsewhere',
      revision: 2,
      target: '/home/u/restored/elsewhere',
    });
    clock += 2000;
    expect(journal.attempts.finish(r, { result: 'restored', bytes: 5000, objects: 4 })).toMatchObject({
      kind: 'restore',
      sweepId: null,
      sweepName: 'elsewhere',
      revision: 2,
      target: '/home/u/restored/elsewhere',
      result: 'restored',
      bytes: 5000,
      objects: 4,
      durationMs: 2000,
    });
    // Restore and verify attempts of a local sweep neither count towards nor reset its back-off.
    const failedRestore = journal.attempts.start({ kind: 'restore', sweepId: s.id, sweepName: 's1' });
    journal.attempts.finish(failedRestore, { result: 'failed', error: 'hash mismatch' });
    const v = journal.attempts.start({ kind: 'verify', sweepId: s.id, sweepName: 's1' });
    journal.attempts.finish(v, { result: 'verified', revision: 1, bytes: 123, objects: 3 });
    expect(journal.sweeps.get(s.id)).toMatchObject({ attempts: 1, lastError: 'down' });
    // A result of another kind is refused.
    const v2 = journal.attempts.start({ kind: 'verify', sweepId: null, sweepName: 's1' });
    expect(() => journal.attempts.finish(v2, { result: 'synced' })).toThrow(
      expect.objectContaining({ category: 'usage' }),
    );

    expect(journal.attempts.list().map((a) => a.kind)).toEqual([
      'verify',
      'verify',
      'restore',
      'restore',
      'sync',
    ]);
    expect(journal.attempts.list({ sweepName: 's1', kind: 'restore' }).map((a) => a.id)).toEqual([
      failedRestore,
    ]);
    expect(journal.attempts.list({ result: 'failed' }).map((a) => a.id)).toEqual([failedRestore, failedSync]);
    expect(journal.attempts.count({ result: 'failed' })).toBe(2);
    expect(journal.attempts.count({ sweepName: 's1' })).toBe(4);
    expect(journal.attempts.count()).toBe(5);
    // Paging: newest first, `offset` skips.
    expect(journal.attempts.list({ limit: 2, offset: 1 }).map((a) => a.id)).toEqual([v, failedRestore]);
    expect(() => journal.attempts.list({ offset: -1 })).toThrow(
      expect.objectContaining({ category: 'usage' }),
    );
  });

  it('closes attempts a dead process left open', () => {
    const s = journal.sweeps.upsert({ path: '/s1', name: 's1', sweepType: 'ring' });
    const id = journal.attempts.start({ kind: 'sync', sweepId: s.id, sweepName: 's1' });
    clock += 60_000;
    expect(journal.attempts.abandonUnfinished()).toBe(1);
    expect(journal.attempts.list()[0]).toMatchObject({ id, result: 'aborted', durationMs: 60_000 });
    expect(journal.attempts.abandonUnfinished()).toBe(0);
  });

  it('records revisions, newest first, with their manifests', () => {
    const s = journal.sweeps.upsert({ path: '/s1', name: 's1', sweepType: 'balanced' });
    expect(journal.revisions.latest(s.id)).toBeNull();
    journal.revisions.record(s.id, manifest(1, false));
    journal.transaction(() => {
      journal.revisions.record(s.id, manifest(2));
      journal.sweeps.setState(s.id, 'synced', null);
    });
    journal.revisions.record(s.id, manifest(2), { bytes: 7 }); // recording again replaces
    const latest = journal.revisions.latest(s.id);
    expect(latest).toMatchObject({ revision: 2, full: true, bytes: 7, syncedAt: '2025-01-02T10:00:00.000Z' });
    expect(latest?.manifest).toEqual(manifest(2));
    expect(latest?.manifest.files[0]?.mtimeMs).toBe(1712345678901.1235);
    // the same row without its manifest (what the recorder and the watcher's fingerprints need)
    const { manifest: _, ...info } = latest!;
    expect(journal.revisions.latestInfo(s.id)).toEqual(info);
    expect(journal.revisions.latestInfo(s.id + 1)).toBeNull();
    expect(journal.revisions.list(s.id).map((r) => [r.revision, r.full, r.bytes])).toEqual([
      [2, true, 7],
      [1, false, 1010],
    ]);
    // Only the latest revision's manifest is kept (in parts); the older revision rows stay, as history.
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.prepare('SELECT DISTINCT revision FROM revision_manifests').pluck().all()).toEqual([2]);
    } finally {
      raw.close();
    }
  });

  it('writes a big manifest in parts of 1 MiB and reads it back whole, a character cut between parts', () => {
    const s = journal.sweeps.upsert({ path: '/s1', name: 's1', sweepType: 'balanced' });
    const big = manifest(3);
    // Paths of three-byte characters: the part boundaries fall inside characters.
    big.files = Array.from({ length: 20_000 }, (_, i) => ({
      path: `passive/runs/漢字の実行_${i}/出力/イベント.jsonl`,
      size: i,
      mtimeMs: 1712345678901.1235 + i,
      sha256: (i % 16).toString(16).repeat(64),
    }));
    big.objects[1]!.files = big.files.map((f) => f.path);
    journal.revisions.record(s.id, big);
    const raw = new Database(file, { readonly: true });
    let parts: Buffer[];
    try {
      parts = raw.prepare('SELECT utf8 FROM revision_manifests ORDER BY part').pluck().all() as Buffer[];
    } finally {
      raw.close();
    }
    const text = JSON.stringify(big);
    expect(parts.length).toBe(Math.ceil(Buffer.byteLength(text) / MANIFEST_PART_BYTES));
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.slice(1).some((p) => (p[0]! & 0xc0) === 0x80)).toBe(true); // a part starts mid-character
    expect(Buffer.concat(parts).toString('utf8')).toBe(text);
    expect(journal.revisions.latest(s.id)?.manifest).toEqual(big);
    // A smaller revision recorded after it leaves none of its parts behind.
    journal.revisions.record(s.id, manifest(4));
    expect(journal.revisions.latest(s.id)?.manifest).toEqual(manifest(4));
    const check = new Database(file, { readonly: true });
    try {
      expect(
        check.prepare('SELECT revision, COUNT(*) n FROM revision_manifests GROUP BY revision').all(),
      ).toEqual([{ revision: 4, n: 1 }]);
    } finally {
      check.close();
    }
  });

  it('a failing transaction leaves nothing behind', () => {
    const s = journal.sweeps.upsert({ path: '/s1', name: 's1', sweepType: 'balanced' });
    expect(() =>
      journal.transaction(() => {
        journal.revisions.record(s.id, manifest(1));
        throw new Error('upload of manifest failed');
      }),
    ).toThrow();
    expect(journal.revisions.list(s.id)).toEqual([]);
  });

  it('keeps events, newest first, per sweep', () => {
    const s = journal.sweeps.upsert({ path: '/s1', name: 's1', sweepType: 'balanced' });
    journal.events.add({ level: 'info', kind: 'started', message: 'Bilancio Sync started' });
    journal.events.add({
      level: 'warning',
      kind: 'shrunk',
      message: 'comparison.csv shrank from 625 to 12 rows',
      sweepId: s.id,
      data: { before: 625, after: 12, mean: '0E-28' },
    });
    journal.events.add({ level: 'error', kind: 'failed', message: 'x', sweepId: s.id });
    expect(journal.events.recent({ limit: 10 }).map((e) => e.kind)).toEqual(['failed', 'shrunk', 'started']);
    const [, shrunk] = journal.events.recent({ limit: 2, sweepId: s.id });
    expect(shrunk).toMatchObject({ level: 'warning', sweepId: s.id, data: { before: 625, mean: '0E-28' } });
    expect(shrunk?.at).toBe('2025-03-01T12:00:00.000Z');
  });

  it('bounds the events table: the newest 20,000, pruned as events are added and on open', () => {
    const count = () => journal.events.recent({ limit: 1_000_000 }).length;
    const total = EVENTS_KEPT + 3 * PRUNE_EVERY_ADDS + 123;
    let most = 0;
    journal.transaction(() => {
      for (let i = 0; i < total; i++) {
        journal.events.add({ level: 'info', kind: 'tick', message: String(i) });
        // Sampled where the table is fullest: one add short of the next pruning.
        if (i >= EVENTS_KEPT && (i + 1) % PRUNE_EVERY_ADDS === PRUNE_EVERY_ADDS - 1)
          most = Math.max(most, count());
      }
    });
    // Never more than the bound plus one pruning interval, at any moment.
    expect(most).toBeGreaterThan(EVENTS_KEPT);
    expect(most).toBeLessThan(EVENTS_KEPT + PRUNE_EVERY_ADDS);
    expect(count()).toBeLessThanOrEqual(EVENTS_KEPT + PRUNE_EVERY_ADDS);
    expect(count()).toBeGreaterThanOrEqual(EVENTS_KEPT);
    journal.close();
    journal = Journal.open(file, { now });
    // Opening prunes: exactly the newest EVENTS_KEPT are left, newest first, none lost among them.
    const left = journal.events.recent({ limit: 1_000_000 }).map((e) => Number(e.message));
    expect(left).toHaveLength(EVENTS_KEPT);
    expect(left[0]).toBe(total - 1);
    expect(left.at(-1)).toBe(total - EVENTS_KEPT);
  });

  it('drops events older than 180 days, even below the count bound', () => {
    journal.events.add({ level: 'info', kind: 'old', message: 'a year ago' });
    clock += 100 * 86_400_000;
    journal.events.add({ level: 'info', kind: 'middle', message: '100 days later' });
    clock += (EVENTS_MAX_AGE_DAYS - 10) * 86_400_000; // the first is now older than the limit
    journal.events.add({ level: 'info', kind: 'new', message: 'today' });
    expect(journal.events.prune()).toBe(1);
    expect(journal.events.recent({ limit: 10 }).map((e) => e.kind)).toEqual(['new', 'middle']);
    clock += 365 * 86_400_000; // all of them old: the table empties, and keeps working
    journal.close();
    journal = Journal.open(file, { now });
    expect(journal.events.recent({ limit: 10 })).toEqual([]);
    journal.events.add({ level: 'info', kind: 'later', message: 'still fine' });
    expect(journal.events.recent({ limit: 10 }).map((e) => e.kind)).toEqual(['later']);
  });

  it('replaces a 12,000-file hash cache in one fast transaction', () => {
    const entries: FileEntry[] = Array.from({ length: 12_000 }, (_, i) => ({
      path: `passive/runs/balanced_passive_${i.toString(16).padStart(12, '0')}/run.html`,
      size: 30_000 + i,
      mtimeMs: 1712345678901.123 + i,
      sha256: i.toString(16).padStart(64, '0'),
    }));
    const t0 = performance.now();
    journal.fileCache.replace('/s1', entries);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1500);
    journal.fileCache.replace('/s2', entries.slice(0, 3));
    // In parts of PART_FILES files: 12,000 files are 3 rows, not 12,000.
    const rows = new Database(file, { readonly: true });
    expect(rows.prepare("SELECT count(*) FROM file_hashes WHERE sweep_path = '/s1'").pluck().get()).toBe(
      Math.ceil(12_000 / PART_FILES),
    );
    rows.close();
    const cache = journal.fileCache.get('/s1');
    expect(cache.size).toBe(12_000);
    expect(cache.get(entries[11_999]!.path)).toEqual({
      size: entries[11_999]!.size,
      mtimeMs: entries[11_999]!.mtimeMs,
      sha256: entries[11_999]!.sha256,
    });
    journal.fileCache.replace('/s1', entries.slice(5, 7));
    expect([...journal.fileCache.get('/s1').keys()]).toEqual([entries[5]!.path, entries[6]!.path]);
    expect(journal.fileCache.get('/s2').size).toBe(3);
    expect(journal.fileCache.get('/none').size).toBe(0);
  });

  it('stores settings as JSON', () => {
    expect(journal.settings.get('pause')).toBeUndefined();
    journal.settings.set('pause', { until: '2025-03-01T13:00:00.000Z', reason: 'metered network' });
    expect(journal.settings.get('pause')).toEqual({
      until: '2025-03-01T13:00:00.000Z',
      reason: 'metered network',
    });
    journal.settings.set('pause', null);
    expect(journal.settings.get('pause')).toBeNull();
    journal.settings.delete('pause');
    expect(journal.settings.get('pause')).toBeUndefined();
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
    const { old, db } = journalAtVersion(1);
    db.prepare(
      "INSERT INTO sweeps (path, name, state, created_at, updated_at) VALUES ('/s1', 's1', 'synced', 'x', 'x')",
    ).run();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'file_cache'").get()).toEqual({
      n: 0,
    });
    db.close();

    const j = Journal.open(old);
    expect(j.sweeps.byPath('/s1')?.state).toBe('synced');
    j.fileCache.replace('/s1', [{ path: 'a', size: 1, mtimeMs: 2, sha256: 'c'.repeat(64) }]);
    expect(j.fileCache.get('/s1').size).toBe(1);
    j.close();
    const check = new Database(old, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(JOURNAL_MIGRATIONS.length);
    check.close();
  });

  it('migration 5 packs the hash cache, keeping every entry exactly (watch mode still finds sweeps unchanged)', () => {
    const { old, db } = journalAtVersion(4);
    const put = db.prepare(
      'INSERT INTO file_cache (sweep_path, rel_path, size, mtime_ms, sha256) VALUES (?, ?, ?, ?, ?)',
    );
    const entries = Array.from({ length: PART_FILES + 10 }, (_, i) => ({
      path: `runs/r${String(i).padStart(5, '0')}/run.html`,
      size: 1000 + i,
      mtimeMs: 1764754321123.456 + i / 7, // fractions of a millisecond, as fs.Stats has them
      sha256: (i * 7919).toString(16).padStart(64, 'a'),
    }));
    for (const e of entries) put.run('/s1', e.path, e.size, e.mtimeMs, e.sha256);
    put.run('/s2', 'only.csv', 5, 6.5, 'b'.repeat(64));
    db.close();

    const j = Journal.open(old);
    const s1 = j.fileCache.get('/s1');
    expect(s1.size).toBe(entries.length);
    for (const e of entries)
      expect(s1.get(e.path)).toEqual({ size: e.size, mtimeMs: e.mtimeMs, sha256: e.sha256 });
    expect([...j.fileCache.get('/s2')]).toEqual([
      ['only.csv', { size: 5, mtimeMs: 6.5, sha256: 'b'.repeat(64) }],
    ]);
    j.close();
    const check = new Database(old, { readonly: true });
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'file_cache'").pluck().get()).toBe(
      0,
    );
    expect(check.prepare("SELECT count(*) FROM file_hashes WHERE sweep_path = '/s1'").pluck().get()).toBe(2);
    check.close();
  });

  it("a hash cache part that cannot be read empties that sweep's cache (its files are hashed again)", () => {
    const entries: FileEntry[] = [{ path: 'a.csv', size: 1, mtimeMs: 2, sha256: 'c'.repeat(64) }];
    journal.fileCache.replace('/s1', entries);
    journal.fileCache.replace('/s2', entries);
    const edit = new Database(file);
    // Valid JSON (the column's check), not what the repository writes: columns of unequal length.
    edit
      .prepare(
        `UPDATE file_hashes SET files = '{"paths":["a.csv"],"sizes":[],"mtimes":[2],"sha256":["x"]}' WHERE sweep_path = '/s1'`,
      )
      .run();
    edit.close();
    expect(journal.fileCache.get('/s1').size).toBe(0);
    expect(journal.fileCache.get('/s2').get('a.csv')).toEqual({
      size: 1,
      mtimeMs: 2,
      sha256: 'c'.repeat(64),
    });
  });

  it('migration 3 rebuilds attempts for every kind, keeping ids and rows', () => {
    const { old, db } = journalAtVersion(2);
    db.exec(`
      INSERT INTO sweeps (id, path, name, state, created_at, updated_at)
        VALUES (4, '/s1', 's1', 'synced', 'x', 'x'), (9, '/s2', 's2', 'failed', 'x', 'x');
      INSERT INTO attempts (id, sweep_id, started_at, finished_at, result, bytes_uploaded, objects_uploaded,
                            duration_ms, error)
        VALUES (3, 4, '2025-01-01T00:00:00.000Z', '2025-01-01T00:01:00.000Z', 'synced', 100, 2, 60000, NULL),
               (7, 9, '2025-01-02T00:00:00.000Z', '2025-01-02T00:00:05.000Z', 'failed', 0, 0, 5000, 'down'),
               (8, 4, '2025-01-03T00:00:00.000Z', NULL, NULL, 0, 0, NULL, NULL);
    `);
    db.close();

    const j = Journal.open(old);
    expect(j.attempts.list()).toEqual([
      {
        id: 8,
        kind: 'sync',
        sweepId: 4,
        sweepName: 's1',
        revision: null,
        target: null,
        startedAt: '2025-01-03T00:00:00.000Z',
        finishedAt: null,
        result: null,
        bytes: 0,
        objects: 0,
        durationMs: null,
        error: null,
        warnings: [],
      },
      expect.objectContaining({
        id: 7,
        kind: 'sync',
        sweepId: 9,
        sweepName: 's2',
        result: 'failed',
        error: 'down',
      }),
      expect.objectContaining({
        id: 3,
        sweepId: 4,
        sweepName: 's1',
        result: 'synced',
        bytes: 100,
        objects: 2,
      }),
    ]);
    // New ids continue after the old ones; a restore without a local sweep fits now.
    const r = j.attempts.start({ kind: 'restore', sweepId: null, sweepName: 'never_here', target: '/tmp/x' });
    expect(r).toBe(9);
    j.close();

    const check = new Database(old, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(JOURNAL_MIGRATIONS.length);
    expect(check.pragma('foreign_key_check')).toEqual([]);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    const indexes = check
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'attempts' ORDER BY name")
      .all();
    expect(indexes).toEqual([{ name: 'attempts_sweep' }, { name: 'attempts_sweep_name' }]);
    // The constraints hold: unknown kinds and results, and warnings that aren't a JSON array, are refused.
    check.close();
    const rw = new Database(old);
    const bad = (sql: string) => expect(() => rw.exec(sql)).toThrow(/CHECK constraint failed/);
    bad("INSERT INTO attempts (kind, sweep_name, started_at) VALUES ('upload', 'x', 'now')");
    bad("INSERT INTO attempts (sweep_name, started_at, result) VALUES ('x', 'now', 'done')");
    bad("INSERT INTO attempts (sweep_name, started_at, warnings) VALUES ('x', 'now', '{}')");
    rw.close();
  });

  it('migration 4 keeps every revision row and the latest manifest of each sweep, in parts', () => {
    const { old, db } = journalAtVersion(3);
    db.exec(`
      INSERT INTO sweeps (id, path, name, state, created_at, updated_at)
        VALUES (4, '/s1', 's1', 'synced', 'x', 'x'), (9, '/s2', 's2', 'synced', 'x', 'x');
    `);
    const put = db.prepare('INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?)');
    put.run(4, 1, JSON.stringify(manifest(1, false)), manifest(1).syncedAt, 0, 10);
    put.run(4, 2, JSON.stringify(manifest(2)), manifest(2).syncedAt, 1, 1010);
    put.run(9, 1, JSON.stringify({ ...manifest(1), sweep: 's2' }), manifest(1).syncedAt, 1, 5);
    db.close();

    const j = Journal.open(old);
    expect(j.revisions.latest(4)).toEqual({
      sweepId: 4,
      revision: 2,
      syncedAt: manifest(2).syncedAt,
      full: true,
      bytes: 1010,
      manifest: manifest(2),
    });
    expect(j.revisions.latest(9)?.manifest).toEqual({ ...manifest(1), sweep: 's2' });
    expect(j.revisions.list(4).map((r) => [r.revision, r.full, r.bytes])).toEqual([
      [2, true, 1010],
      [1, false, 10],
    ]);
    j.close();

    const check = new Database(old, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(JOURNAL_MIGRATIONS.length);
    expect(check.pragma('foreign_key_check')).toEqual([]);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(
      check.prepare('SELECT sweep_id, revision FROM revision_manifests ORDER BY sweep_id').all(),
    ).toEqual([
      { sweep_id: 4, revision: 2 },
      { sweep_id: 9, revision: 1 },
    ]);
    check.close();
    // A sweep's row going takes its revisions and their manifest parts with it.
    const rw = new Database(old);
    rw.pragma('foreign_keys = ON');
    rw.exec('DELETE FROM sweeps WHERE id = 4');
    expect(rw.prepare('SELECT COUNT(*) FROM revision_manifests').pluck().get()).toBe(1);
    expect(rw.prepare('SELECT COUNT(*) FROM revisions').pluck().get()).toBe(1);
    rw.close();
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
    j.sweeps.upsert({ path: '/s1', name: 's1', sweepType: 'ring' });
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
