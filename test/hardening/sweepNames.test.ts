/**
 * Class 7 of issue 11: sweep names. Any single folder name is a sweep name — spaces, non-ASCII letters,
 * punctuation — normalised to Unicode NFC; only what can't be one path segment (or can't be written
 * down) is refused, with the reason. Round trips through the real commands and stores: the local store
 * (file names on disk), s3rver (keys encoded by the SDK, listing, copy sources) with the PostgreSQL
 * catalog, and the window's `#/sweeps/<name>` route.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import { manifestKey, sweepNameProblem, validateSweepName } from '../../src/core/model/keys.js';
import { restoreSweep } from '../../src/core/restore/Restorer.js';
import { verifyRemote } from '../../src/core/restore/verifyRemote.js';
import { generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';
import { openCloudApp } from '../support/cloudApp.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startTestS3, type TestS3 } from '../support/s3.js';
import { hashTree } from '../support/tree.js';

// The window's router, loaded untyped: its module (browser code) is outside the node typecheck.
type Route = { view: string; name?: string; sweep?: string; revision?: number; restore?: boolean };
const ROUTER = '../../src/renderer/src/router.js';
const { href, parseRoute } = (await import(/* @vite-ignore */ ROUTER)) as {
  href(route: Route): string;
  parseRoute(hash: string): Route;
};

const ISSUE_NAMES = ['sweep ü 2', 'two  spaces', '日本語'];
/** Not in the issue's text: punctuation that means something in URLs, shells and S3 requests. */
const MORE_NAMES = ['Ringversuch 50% (κ=0,3) #2 + ?', 'émigré—café', 'a&b=c;d@e~f!'];

describe('which names are sweep names', () => {
  it.each([...ISSUE_NAMES, ...MORE_NAMES, 'trailing space ', 'x', 'Ω'.repeat(127)])('accepts %j', (name) => {
    expect(sweepNameProblem(name)).toBeNull();
    expect(validateSweepName(name)).toBe(name);
  });

  it('normalises to NFC, so an NFD folder name (macOS HFS+) is the same sweep', () => {
    const nfd = 'sweep u\u0308 2';
    expect(validateSweepName(nfd)).toBe('sweep ü 2');
    expect(validateSweepName('Cafe\u0301')).toBe('Café');
  });

  it.each([
    ['', /empty/],
    ['.', /this folder/],
    ['..', /parent folder/],
    ['a/b', /"\/"/],
    ['a\\b', /"\\"/],
    ['tab\there', /control character U\+0009/],
    ['line\nbreak', /control character U\+000A/],
    ['del\u007f', /control character U\+007F/],
    ['c1\u0085', /control character U\+0085/],
    ['.meta', /starts with "\."/],
    ['ü'.repeat(128), /256 bytes/],
    ['lone \ud800', /Unicode/],
  ])('refuses %j, saying why', (name, why) => {
    let error: unknown;
    try {
      validateSweepName(name);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SyncError);
    const e = error as SyncError;
    expect(e.category).toBe('usage');
    expect(e.code).toBe('sweep-name-invalid');
    expect(e.message).toMatch(why);
    // A control character is shown escaped, never sent raw to the terminal.
    expect(e.message).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it.each([...ISSUE_NAMES, ...MORE_NAMES])('the window route #/sweeps/<name> round-trips %j', (name) => {
    const link = href({ view: 'sweep', name, revision: 2 });
    expect(link.split('?')[0]?.slice('#/sweeps/'.length)).not.toMatch(/[ ?#/]/);
    expect(parseRoute(link)).toEqual({ view: 'sweep', name, revision: 2, restore: false });
    expect(parseRoute(href({ view: 'activity', sweep: name }))).toEqual({ view: 'activity', sweep: name });
  });

  it('a hand-typed address with a stray % opens the overview instead of failing', () => {
    expect(parseRoute('#/sweeps/50%')).toEqual({ view: 'overview' });
    expect(parseRoute('#/sweeps/%E0%A4%A')).toEqual({ view: 'overview' });
  });
});

describe('round trip through the real command on the local store', () => {
  let home: string;
  let work: string;
  const run = (args: string[]) =>
    runCli(args, { HOME: home, BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0' }, work);
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'bsync-names-home-'));
    work = await mkdtemp(join(tmpdir(), 'bsync-names-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('sync → list-sweeps → download → verify, names kept byte for byte on disk', async () => {
    const names = ISSUE_NAMES;
    const before = new Map<string, Map<string, string>>();
    for (const [i, name] of names.entries()) {
      const sweep = await generateSweep({
        root: join(work, 'exp'),
        name,
        type: i % 2 ? 'ring' : 'balanced',
        pairs: 2,
      });
      before.set(name, await hashTree(sweep.dir));
      const synced = await run(['sync', sweep.dir, '--full']);
      expect(synced.stderr).not.toMatch(/error|warning/i);
      expect(synced.code).toBe(0);
      expect(synced.stdout).toContain(`${name} synced as revision 1`);
    }
    const list = await run(['list-sweeps', '--json']);
    expect(list.code).toBe(0);
    expect(
      JSON.parse(list.stdout)
        .map((s: { name: string }) => s.name)
        .sort(),
    ).toEqual([...names].sort());
    // The local store's folders are named exactly so (UTF-8 bytes of the NFC name).
    const archive = join(home, 'data', 'archive');
    expect((await readdir(archive)).filter((f) => !f.startsWith('.')).sort()).toEqual([...names].sort());
    for (const name of names) {
      const out = join(work, 'restored', name);
      const down = await run(['download', name, out]);
      expect(down.stderr).not.toMatch(/error|warning/i);
      expect(down.code).toBe(0);
      expect(await hashTree(out)).toEqual(before.get(name));
      const verify = await run(['verify', name, '--deep']);
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(/all match the manifest/);
    }
  });

  it('refuses a name with a control character before anything is written, with the reason', async () => {
    const sweep = await generateSweep({ root: join(work, 'bad'), name: 'fine', type: 'balanced', pairs: 1 });
    const r = await run(['sync', sweep.dir, '--name', 'bad\tname']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/control character U\+0009/);
    expect(r.stderr).toMatch(/--name/);
  });
});

describe('round trip through s3rver + PostgreSQL', () => {
  let s3: TestS3;
  let db: TestPostgres;
  let app: Awaited<ReturnType<typeof openCloudApp>>;
  let work: string;
  beforeAll(async () => {
    [s3, db] = await Promise.all([startTestS3(), startTestPostgres()]);
    work = await mkdtemp(join(tmpdir(), 'bsync-names-s3-'));
    app = await openCloudApp(s3, { BILANCIO_DATABASE_URL: db.url });
  });
  afterAll(async () => {
    await app?.dispose();
    await Promise.allSettled([s3?.stop(), db?.stop()]);
    await rm(work, { recursive: true, force: true });
  });

  it.each([...ISSUE_NAMES, ...MORE_NAMES])('%s: sync twice → catalog → download → verify', async (name) => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name,
      type: 'dealer',
      pairs: 2,
      extras: true,
    });
    const before = await hashTree(sweep.dir);
    expect((await app.engine.syncSweep(sweep.dir, { full: true })).result).toBe('synced');
    // A second sync finds the manifest again under the encoded key: nothing to upload.
    expect((await app.engine.syncSweep(sweep.dir, { full: true })).result).toBe('noop');

    const row = await app.catalog.getSweep(name, app.config.owner);
    expect(row?.name).toBe(name);
    expect((await app.catalog.listSweeps({ owner: app.config.owner })).map((s) => s.name)).toContain(name);
    expect(await app.catalog.listComparisonRows(name, { owner: app.config.owner })).toHaveLength(2);

    // Listing by the sweep's prefix finds exactly its objects (keys come back decoded, unchanged).
    const keys: string[] = [];
    for await (const o of app.store.list(`${name}/`)) keys.push(o.key);
    expect(keys).toContain(manifestKey(name));
    expect(keys.every((k) => k.startsWith(`${name}/`))).toBe(true);

    await rm(sweep.dir, { recursive: true });
    const out = join(work, 'restored', name);
    await restoreSweep(app.store, name, out);
    expect(await hashTree(out)).toEqual(before);
    expect((await verifyRemote(app.store, name, { deep: true })).problems).toEqual([]);
  });

  it('a revision 2 keeps revision 1 restorable (server-side copies of encoded keys)', async () => {
    const name = 'sweep ü 2 rev';
    const sweep = await generateSweep({ root: join(work, 'rev'), name, type: 'balanced', pairs: 2 });
    await app.engine.syncSweep(sweep.dir, { full: true });
    const first = await hashTree(sweep.dir);
    const more = await generateSweep({ root: join(work, 'rev2'), name, type: 'balanced', pairs: 3 });
    const second = await app.engine.syncSweep(more.dir, { full: true });
    expect(second.result).toBe('synced');
    const out1 = join(work, 'r1');
    await restoreSweep(app.store, name, out1, { revision: 1 });
    expect(await hashTree(out1)).toEqual(first);
  });
});
