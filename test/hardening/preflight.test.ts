/**
 * Class 2 of issue 11: checks run before the first byte is uploaded. Every problem of a sweep (file
 * names an archive can't take, links, unreadable files, cells the catalog refuses) is found at once, in
 * one SyncError, and nothing reaches the store; cells the catalog can take after cleaning (NUL dropped,
 * invalid UTF-8 as U+FFFD) are catalogued cleaned, with a warning, and stored byte for byte.
 */
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSyncError } from '../../src/core/model/errors.js';
import { restoreSweep } from '../../src/core/restore/Restorer.js';
import type { ObjectStore } from '../../src/core/stores/ObjectStore.js';
import { generateSweep } from '../fixtures/generator.js';
import { otherUserFolders, runCliAsOtherUser } from '../support/asOtherUser.js';
import { openLocalApp } from '../support/localApp.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { hashTree } from '../support/tree.js';

async function keys(store: ObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.list(prefix)) out.push(o.key);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the sync to fail');
}

/** Replace the `column` cell of data row `row` (1-based) of a CRLF CSV file with `value` (raw bytes). */
async function setCell(file: string, row: number, column: string, value: Buffer): Promise<void> {
  const text = await readFile(file, 'latin1');
  const lines = text.split('\r\n');
  const header = lines[0]!.split(',');
  const c = header.indexOf(column);
  if (c < 0) throw new Error(`no column ${column}`);
  const cells = lines[row]!.split(',');
  cells[c] = value.toString('latin1');
  lines[row] = cells.join(',');
  await writeFile(file, Buffer.from(lines.join('\r\n'), 'latin1'));
}

describe('preflight: everything checked before the first byte', () => {
  let work: string;
  let pg: TestPostgres;
  let app: Awaited<ReturnType<typeof openLocalApp>>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-preflight-'));
    pg = await startTestPostgres();
    app = await openLocalApp({ BILANCIO_DATABASE_URL: pg.url });
  }, 120_000);
  afterAll(async () => {
    await app?.dispose();
    await pg?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('PostgreSQL: NUL bytes in CSV cells and a JSON string, invalid UTF-8 in a registry cell → synced, cleaned in the catalog, warned, byte-identical', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'nul_cells',
      type: 'balanced',
      pairs: 3,
    });
    await setCell(
      join(sweep.dir, 'aggregate/comparison.csv'),
      2,
      'passive_status',
      Buffer.from('compl\0eted'),
    );
    await setCell(join(sweep.dir, 'aggregate/comparison.csv'), 3, 'active_status', Buffer.from('\0'));
    await setCell(
      join(sweep.dir, 'passive/registry/experiments.csv'),
      1,
      'error',
      Buffer.from([0x62, 0xff, 0xfe, 0x61]),
    );
    const summaryPath = join(sweep.dir, 'aggregate/summary.json');
    const summary = await readFile(summaryPath, 'utf8');
    await writeFile(summaryPath, summary.replace('{', '{"note": "a\\u0000b", '));
    const before = await hashTree(sweep.dir);

    const result = await app.engine.syncSweep(sweep.dir, { full: true });
    expect(result.result).toBe('synced');
    const warnings = result.warnings.join('\n');
    expect(warnings).toMatch(
      /aggregate\/comparison\.csv: NUL characters in row 2 column "passive_status", row 3 column "active_status" were dropped/,
    );
    expect(warnings).toMatch(/aggregate\/summary\.json: NUL characters in note were dropped/);
    expect(warnings).toMatch(
      /passive\/registry\/experiments\.csv: bytes that are not valid UTF-8 in row 1 column "error" are U\+FFFD/,
    );

    const rows = await app.catalog.listComparisonRows('nul_cells', { owner: app.config.owner });
    expect(rows).toHaveLength(3);
    expect(JSON.stringify(rows)).not.toContain('\\u0000');
    expect(JSON.stringify(rows)).toContain('"completed"');
    const row = await app.catalog.getSweep('nul_cells', app.config.owner);
    expect(row?.summary).toMatchObject({ note: 'ab' });

    const out = join(work, 'restored-nul');
    await restoreSweep(app.store, 'nul_cells', out);
    expect(await hashTree(out)).toEqual(before);
  }, 120_000);

  it('bad names, a symbolic link and a run_id too long for the catalog: one error listing all, nothing uploaded', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'bad_names',
      type: 'balanced',
      pairs: 2,
    });
    const runs = join(sweep.dir, 'passive/runs');
    await writeFile(join(sweep.dir, 'aggregate/notes\\kappa.txt'), 'a backslash');
    await writeFile(join(runs, 'line\nbreak.txt'), 'a newline in the name');
    await symlink('/etc/hostname', join(sweep.dir, 'active/link.txt'));
    await setCell(
      join(sweep.dir, 'active/registry/experiments.csv'),
      1,
      'run_id',
      Buffer.from('x'.repeat(3000)),
    );

    const e = await rejection(app.engine.syncSweep(sweep.dir, { full: true }));
    expect(isSyncError(e)).toBe(true);
    if (!isSyncError(e)) return;
    expect(e.category).toBe('usage');
    expect(e.code).toBe('sweep-preflight');
    expect(e.message).toMatch(/4 problems; nothing was uploaded/);
    expect(e.message).toContain('aggregate/notes\\kappa.txt: its name contains a backslash');
    expect(e.message).toContain('passive/runs/line\nbreak.txt: its name contains control characters');
    expect(e.message).toContain('active/link.txt: is a symbolic link');
    expect(e.message).toMatch(
      /active\/registry\/experiments\.csv, row 1, column "run_id": the run_id is 3000 bytes long/,
    );
    expect(await keys(app.store, 'bad_names/')).toEqual([]);
    expect(await app.catalog.getSweep('bad_names', app.config.owner)).toBeNull();
  }, 120_000);

  it('two unreadable files and a bad name (as an ordinary user, through the CLI): one error, exit 2, store empty', async () => {
    const { home, exp, dispose } = await otherUserFolders('bsync-preflight-user-');
    try {
      const sweep = await generateSweep({ root: exp, name: 'unreadable', type: 'ring', pairs: 2 });
      const [a, b] = sweep.files.filter((f) => f.endsWith('run.html'));
      await chmod(join(sweep.dir, a!), 0o000);
      await chmod(join(sweep.dir, b!), 0o000);
      await writeFile(join(sweep.dir, 'aggregate', 'tab\there.csv'), 'x\r\n');
      const run = await runCliAsOtherUser(home, ['sync', sweep.dir, '--full', '--json']);
      const said = run.stdout + run.stderr;
      expect(run.code, said).toBe(2);
      expect(said).toContain('sweep-preflight');
      expect(said).toContain(`${a}: can't be opened for reading (EACCES: permission denied)`);
      expect(said).toContain(`${b}: can't be opened for reading (EACCES: permission denied)`);
      expect(said).toContain('aggregate/tab\\there.csv: its name contains control characters');
      // The default store is a folder under the home: no object was written.
      const stored = await hashTree(home).catch(() => new Map<string, string>());
      expect([...stored.keys()].filter((k) => k.includes('unreadable/'))).toEqual([]);
    } finally {
      await dispose();
    }
  }, 180_000);
});
