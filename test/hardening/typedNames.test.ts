/**
 * Sweep names typed by a user find the sweep whatever Unicode form the terminal sends. Sync stores a
 * sweep's name in NFC (keys.ts validateSweepName); a macOS terminal (and text pasted from a macOS file
 * name) sends NFD — "u" + U+0308 for "ü". Every command taking a typed sweep name goes through the
 * application service, which looks the name up as sync stores it: through the real CLI (download, verify,
 * revisions, list-sweeps --search) and through the service's other commands (sweeps.get, sweeps.files,
 * rows, history, a sync's --name).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/service/AppService.js';
import { generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';
import { hashTree } from '../support/tree.js';

/** NFC names (as stored) and the same names in NFD (as typed on macOS). */
const NAMES = [
  { stored: 'Ringversuch Größe ü', typed: 'Ringversuch Gro\u0308\u00dfe u\u0308' },
  { stored: 'Café crème', typed: 'Cafe\u0301 cre\u0300me' },
  // Hangul syllables decompose into conjoining jamo in NFD.
  { stored: '한글 실험', typed: '\u1112\u1161\u11ab\u1100\u1173\u11af \u1109\u1175\u11af\u1112\u1165\u11b7' },
];

it('the typed names really are another byte sequence of the same text', () => {
  for (const { stored, typed } of NAMES) {
    expect(typed).not.toBe(stored);
    expect(typed.normalize('NFC')).toBe(stored);
  }
});

describe('typed NFD names through the real CLI (local store + SQLite catalog)', () => {
  let work: string;
  let home: string;
  const run = (args: string[]) =>
    runCli(args, { HOME: home, BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0' }, work);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-typed-'));
    home = join(work, 'home');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it.each(NAMES)(
    'sync $stored, then download / verify / revisions / search typed in NFD',
    async ({ stored, typed }) => {
      const sweep = await generateSweep({
        root: join(work, 'exp'),
        name: stored,
        type: 'balanced',
        pairs: 2,
      });
      const before = await hashTree(sweep.dir);
      const synced = await run(['sync', sweep.dir, '--full']);
      expect(synced.code, synced.stderr).toBe(0);

      const out = join(work, 'restored', stored);
      const down = await run(['download', typed, out]);
      expect(down.code, down.stderr).toBe(0);
      expect(await hashTree(out)).toEqual(before);
      // The folder is created under the name given on the command line's path, not renamed.
      expect(await readdir(join(work, 'restored'))).toContain(stored);

      const verify = await run(['verify', typed, '--deep']);
      expect(verify.code, verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/all match the manifest/);

      const revisions = await run(['revisions', typed, '--json']);
      expect(revisions.code, revisions.stderr).toBe(0);
      expect(JSON.parse(revisions.stdout)).toHaveLength(1);

      const search = await run(['list-sweeps', '--search', typed.split(' ').at(-1)!, '--json']);
      expect(search.code, search.stderr).toBe(0);
      expect(JSON.parse(search.stdout).map((s: { name: string }) => s.name)).toContain(stored);
    },
    120_000,
  );
});

describe('typed NFD names through the application service', () => {
  let work: string;
  let service: AppService;
  const { stored, typed } = NAMES[1]!;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-typed-svc-'));
    const env = { BILANCIO_SYNC_HOME: join(work, 'home'), BILANCIO_SYNC_SETTLE_SECONDS: '0' };
    service = new AppService({ env, cwd: work, checkResponses: true });
    // The folder has another name; the sweep's name is given as --name would, typed in NFD.
    const sweep = await generateSweep({ root: join(work, 'exp'), name: 'folder', type: 'dealer', pairs: 2 });
    const { jobId } = await service.call('sync.start', { path: sweep.dir, name: typed, full: true });
    expect((await service.call('jobs.wait', { jobId })).state).toBe('succeeded');
  });
  afterAll(async () => {
    await service?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('the sync stored the NFC name', async () => {
    const { items } = await service.call('sweeps.search', {});
    expect(items.map((s) => s.name)).toEqual([stored]);
  });

  it('sweeps.get, sweeps.files, rows and history find it by the NFD name', async () => {
    expect((await service.call('sweeps.get', { name: typed })).name).toBe(stored);
    expect((await service.call('sweeps.files', { name: typed })).total).toBeGreaterThan(0);
    expect((await service.call('sweeps.comparisonRows', { sweep: typed })).total).toBe(2);
    expect((await service.call('sweeps.registryRows', { sweep: typed })).total).toBeGreaterThan(0);
    expect((await service.call('sweeps.revisions', { name: typed })).revisions).toHaveLength(1);
    expect((await service.call('history.list', { sweep: typed })).total).toBe(1);
  });
});
