/**
 * The preflight of a re-sync (issue 12): files the journal's hash cache knows unchanged (same size and
 * mtime as when they were last read whole, permission bits that still let us read them) are not opened
 * again; a new or changed file still is. A no-op re-sync answers from the cache and the remote manifest
 * (no aggregate parsed) when the committed revision holds exactly these files, and still repairs a
 * catalog that lags behind the store and reports the warnings of a revision that had some; a sweep
 * synced as it stands (crashed) and unchanged since is synced already, a re-sync is a no-op. As an
 * ordinary user through the CLI: a file that became unreadable — changed or not — is still refused before
 * anything is uploaded.
 */
import { appendFile, chmod, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSweepFiles } from '../../src/core/engine/preflight.js';
import { generateSweep, truncateMidRow } from '../fixtures/generator.js';
import { otherUserFolders, runCliAsOtherUser } from '../support/asOtherUser.js';
import { openLocalApp } from '../support/localApp.js';

describe('preflight with the hash cache', () => {
  let work: string;
  let app: Awaited<ReturnType<typeof openLocalApp>>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-preflight-cache-'));
    app = await openLocalApp();
  });
  afterAll(async () => {
    await app?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('opens only the files the cache does not vouch for: none after a sync, then the changed and the new one', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'cached',
      type: 'balanced',
      pairs: 3,
    });
    const uncached = await checkSweepFiles(sweep.dir, 'cached', new Map());
    expect(uncached.problems).toEqual([]);
    expect(uncached.opened).toBe(sweep.files.length);
    // Listed in path order, as the manifest lists files.
    expect(uncached.files.map((f) => f.path)).toEqual([...sweep.files].sort());

    expect((await app.engine.syncSweep(sweep.dir, { full: true })).result).toBe('synced');
    const cache = () => app.journal.fileCache.get(sweep.dir);
    expect((await checkSweepFiles(sweep.dir, 'cached', cache())).opened).toBe(0);

    const html = sweep.files.find((f) => f.endsWith('run.html'))!;
    await appendFile(join(sweep.dir, html), '<!-- more -->');
    await writeFile(join(sweep.dir, 'aggregate', 'notes.txt'), 'new');
    const changed = await checkSweepFiles(sweep.dir, 'cached', cache());
    expect(changed.problems).toEqual([]);
    expect(changed.opened).toBe(2);
    // What the sync reads it caches: nothing to open afterwards.
    await age(sweep.dir, [html, 'aggregate/notes.txt']);
    expect((await app.engine.syncSweep(sweep.dir, { full: true })).result).toBe('synced');
    expect((await checkSweepFiles(sweep.dir, 'cached', cache())).opened).toBe(0);
  });

  it('a file touched (same bytes, new mtime): opened, found unchanged (noop), cached with its new mtime', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'touched',
      type: 'balanced',
      pairs: 2,
    });
    await app.engine.syncSweep(sweep.dir, { full: true });
    const file = sweep.files.find((f) => f.startsWith('active/') && f.endsWith('.csv'))!;
    const past = new Date(Date.now() - 60_000);
    await utimes(join(sweep.dir, file), past, past);
    expect((await checkSweepFiles(sweep.dir, 'touched', app.journal.fileCache.get(sweep.dir))).opened).toBe(
      1,
    );
    expect((await app.engine.syncSweep(sweep.dir, { full: true })).result).toBe('noop');
    const entry = app.journal.fileCache.get(sweep.dir).get(file);
    expect(entry?.mtimeMs).toBe((await stat(join(sweep.dir, file))).mtimeMs);
    expect((await checkSweepFiles(sweep.dir, 'touched', app.journal.fileCache.get(sweep.dir))).opened).toBe(
      0,
    );
  });

  it('a no-op re-sync still puts the revision back into a catalog that lost it', async () => {
    const sweep = await generateSweep({ root: join(work, 'exp'), name: 'lagging', type: 'dealer', pairs: 3 });
    await app.engine.syncSweep(sweep.dir, { full: true });
    await app.catalog.deleteSweep('lagging', app.config.owner);
    expect(await app.catalog.getSweep('lagging', app.config.owner)).toBeNull();

    const again = await app.engine.syncSweep(sweep.dir, { full: true });
    expect(again).toMatchObject({ result: 'noop', revision: 1, objectsUploaded: 0, warnings: [] });
    expect((await app.catalog.getSweep('lagging', app.config.owner))?.revision).toBe(1);
    expect(await app.catalog.listComparisonRows('lagging', { owner: app.config.owner })).toHaveLength(3);
  });

  it('a no-op re-sync of a revision synced with warnings reports them again', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'warned',
      type: 'balanced',
      pairs: 3,
    });
    const summary = join(sweep.dir, 'aggregate/summary.json');
    await writeFile(summary, (await readFile(summary, 'utf8')).replace('{', '{"note": "a\\u0000b", '));
    await age(sweep.dir, ['aggregate/summary.json']);
    const first = await app.engine.syncSweep(sweep.dir, { full: true });
    expect(first.result).toBe('synced');
    expect(first.warnings.join('\n')).toMatch(/summary\.json: NUL characters in note were dropped/);

    const events: string[] = [];
    const again = await app.engine.syncSweep(sweep.dir, {
      full: true,
      onEvent: (e) => e.type === 'warning' && events.push(e.message),
    });
    expect(again.result).toBe('noop');
    expect(again.warnings).toEqual(first.warnings);
    expect(events.join('\n')).toMatch(/summary\.json: NUL characters in note were dropped/);
  });

  it('a crashed sweep synced as it stands and unchanged since: a re-sync is a no-op, also without allowIncomplete', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'crashed',
      type: 'balanced',
      pairs: 3,
      state: 'crashed',
    });
    await ageTree(sweep.dir);
    const refused = await app.engine.syncSweep(sweep.dir, { full: true }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'sweep-incomplete' });
    expect((await app.engine.syncSweep(sweep.dir, { full: true, allowIncomplete: true })).result).toBe(
      'synced',
    );
    // In the cloud as it stands, and still so: nothing to do, whatever bilancio's state of it.
    expect(await app.engine.syncSweep(sweep.dir, { full: true })).toMatchObject({
      result: 'noop',
      revision: 1,
    });
    // Something changed: judged again, and refused again without allowIncomplete.
    await writeFile(join(sweep.dir, 'aggregate', 'notes.txt'), 'new');
    await ageTree(sweep.dir);
    expect(await app.engine.syncSweep(sweep.dir, { full: true }).catch((e: unknown) => e)).toMatchObject({
      code: 'sweep-incomplete',
    });
  });

  it('a torn crashed sweep synced as it stands, unchanged: the re-sync is a no-op that reports the torn file again', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'torn',
      type: 'balanced',
      pairs: 4,
      state: 'crashed',
    });
    await truncateMidRow(join(sweep.dir, 'aggregate/comparison.csv'));
    await ageTree(sweep.dir);
    const first = await app.engine.syncSweep(sweep.dir, { full: true, allowIncomplete: true });
    expect(first.warnings.join('\n')).toMatch(/aggregate\/comparison\.csv is torn/);
    const again = await app.engine.syncSweep(sweep.dir, { full: true });
    expect(again.result).toBe('noop');
    expect(again.warnings).toEqual(first.warnings);
  });
});

describe('preflight with the hash cache, as an ordinary user through the CLI', () => {
  it('a file made unreadable — with its size and mtime unchanged, or changed — is refused before anything is uploaded', async () => {
    const { home, exp, dispose } = await otherUserFolders('bsync-preflight-cache-user-');
    try {
      const sweep = await generateSweep({ root: exp, name: 'perms', type: 'ring', pairs: 2 });
      const first = await runCliAsOtherUser(home, ['sync', sweep.dir, '--full', '--json']);
      expect(first.code, first.stderr).toBe(0);
      const [a, b] = sweep.files.filter((f) => f.endsWith('run.html'));
      const archive = join(home, 'data', 'archive', 'perms');
      const storedBefore = await stat(join(archive, 'manifest.json'));

      // chmod changes the ctime only: the cache still knows the file, the permission bits say no.
      const before = await stat(join(sweep.dir, a!));
      await chmod(join(sweep.dir, a!), 0o000);
      expect((await stat(join(sweep.dir, a!))).mtimeMs).toBe(before.mtimeMs);
      const unchanged = await runCliAsOtherUser(home, ['sync', sweep.dir, '--full', '--json']);
      const said = unchanged.stdout + unchanged.stderr;
      expect(unchanged.code, said).toBe(2);
      expect(said).toContain(`${a}: can't be opened for reading (EACCES: permission denied)`);

      // A changed file made unreadable: not in the cache at its new size, opened, refused.
      await appendFile(join(sweep.dir, b!), '<!-- more -->');
      await chmod(join(sweep.dir, b!), 0o000);
      await age(sweep.dir, [b!]);
      const changed = await runCliAsOtherUser(home, ['sync', sweep.dir, '--full', '--json']);
      const said2 = changed.stdout + changed.stderr;
      expect(changed.code, said2).toBe(2);
      expect(said2).toContain(`${b}: can't be opened for reading (EACCES: permission denied)`);
      // Nothing was committed: the manifest is the first sync's.
      expect((await stat(join(archive, 'manifest.json'))).mtimeMs).toBe(storedBefore.mtimeMs);
    } finally {
      await dispose();
    }
  }, 180_000);

  it('a first sync of over 1,024 files (more than one batch of opens) refuses the unreadable files of every batch', async () => {
    const { home, exp, dispose } = await otherUserFolders('bsync-preflight-batches-user-');
    try {
      // Over 1,024 files: the opens take more than one batch (preflight.ts, OPENS_PER_TURN).
      const sweep = await generateSweep({ root: exp, name: 'many', type: 'balanced', pairs: 60 });
      const listed = (await checkSweepFiles(sweep.dir, 'many')).files.map((f) => f.path);
      expect(listed.length).toBeGreaterThan(1024);
      const early = listed[3]!;
      const late = listed[listed.length - 2]!;
      for (const f of [early, late]) await chmod(join(sweep.dir, f), 0o000);
      const run = await runCliAsOtherUser(home, ['sync', sweep.dir, '--full', '--json']);
      const said = run.stdout + run.stderr;
      expect(run.code, said).toBe(2);
      expect(said).toContain(`${early}: can't be opened for reading (EACCES: permission denied)`);
      expect(said).toContain(`${late}: can't be opened for reading (EACCES: permission denied)`);
      expect(await readdir(join(home, 'data', 'archive')).catch(() => [])).toEqual([]); // nothing uploaded
    } finally {
      await dispose();
    }
  }, 180_000);
});

/** Makes every file and folder of `dir` three hours old: a crashed sweep, nothing written for long. */
async function ageTree(dir: string): Promise<void> {
  const then = new Date(Date.now() - 3 * 3_600_000);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await ageTree(p);
    await utimes(p, then, then);
  }
  await utimes(dir, then, then);
}

/** Sets the mtime of `files` a minute back: a file written just now would read as "still being written". */
async function age(dir: string, files: string[]): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  for (const f of files) await utimes(join(dir, f), past, past);
}
