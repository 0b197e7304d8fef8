/**
 * Class 4 of the hardening issue: the remote manifest is untrusted input, as much as an archive is.
 * A manifest that names paths outside the sweep, keys outside its prefix, negative or fractional sizes,
 * non-hex hashes or a bad revision is refused with an integrity error naming the field; nothing is read
 * from it and nothing is written.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, writeManifest } from '../../src/core/engine/manifestIO.js';
import { isSyncError } from '../../src/core/model/errors.js';
import { manifestKey, revisionManifestKey } from '../../src/core/model/keys.js';
import type { RemoteManifest } from '../../src/core/model/RemoteManifest.js';
import { restoreSweep } from '../../src/core/restore/Restorer.js';
import { verifyRemote } from '../../src/core/restore/verifyRemote.js';
import type { LocalFolderObjectStore } from '../../src/core/stores/LocalFolderObjectStore.js';
import { localObjectPath } from '../../src/core/stores/localKeys.js';
import { generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';
import { openLocalApp } from '../support/localApp.js';

type Tamper = (m: RemoteManifest) => void;

const CASES: Array<[string, Tamper, RegExp]> = [
  [
    'a file path leaving the sweep (../x)',
    (m) => {
      m.files[0]!.path = '../x';
    },
    /files\[0\]\.path: path "\.\.\/x" leaves the sweep folder/,
  ],
  [
    'an absolute file path inside an object',
    (m) => {
      m.objects[0]!.files[0] = '/etc/passwd';
    },
    /objects\[0\]\.files\[0\]: path "\/etc\/passwd" is absolute/,
  ],
  [
    'a negative object size',
    (m) => {
      m.objects[0]!.size = -5;
    },
    /objects\[0\]\.size: must not be negative/,
  ],
  [
    'a fractional file size',
    (m) => {
      m.files[1]!.size = 1.5;
    },
    /files\[1\]\.size: must be an integer/,
  ],
  [
    'an object key outside the sweep prefix',
    (m) => {
      m.objects[0]!.key = 'another_sweep/aggregate/comparison.csv';
    },
    /objects\[0\]\.key: key "another_sweep\/aggregate\/comparison\.csv" is outside the sweep's prefix hostile\//,
  ],
  [
    'an object key with a .. segment',
    (m) => {
      m.objects[0]!.key = 'hostile/../../etc/cron.d/x';
    },
    /objects\[0\]\.key: key "hostile\/\.\.\/\.\.\/etc\/cron\.d\/x" leaves the sweep folder/,
  ],
  [
    'a sha256 that is not hex',
    (m) => {
      m.files[0]!.sha256 = 'zz'.repeat(32);
    },
    /files\[0\]\.sha256: must be 64 lowercase hex digits/,
  ],
  [
    'revision 0',
    (m) => {
      m.revision = 0;
    },
    /revision: must be a positive integer/,
  ],
  [
    'a revision given as text',
    (m) => {
      (m as unknown as { revision: string }).revision = '2';
    },
    /revision: /,
  ],
  [
    'an object naming a file the manifest does not list',
    (m) => {
      m.objects[0]!.files.push('aggregate/not_listed.csv');
    },
    /objects\[0\]\.files\[\d+\]: "aggregate\/not_listed\.csv" is not in the manifest's files list/,
  ],
];

describe('a tampered remote manifest', () => {
  let app: Awaited<ReturnType<typeof openLocalApp>>;
  let work: string;
  let pristine: RemoteManifest;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-h4u-'));
    app = await openLocalApp();
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'hostile',
      type: 'balanced',
      pairs: 2,
    });
    await app.engine.syncSweep(sweep.dir, { full: true });
    pristine = (await readManifest(app.store, manifestKey('hostile')))!;
  });
  afterAll(async () => {
    await app?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it.each(CASES)(
    '%s: download and verify refuse with an integrity error naming the field',
    async (_, tamper, names) => {
      const m = structuredClone(pristine);
      tamper(m);
      await writeManifest(app.store, manifestKey('hostile'), m);
      try {
        const out = join(work, 'out', String(Math.random()).slice(2));
        const err = await restoreSweep(app.store, 'hostile', out).then(
          () => null,
          (e: unknown) => e,
        );
        expect(isSyncError(err) && err.category).toBe('integrity');
        if (!isSyncError(err)) return;
        expect(err.code).toBe('manifest-invalid');
        expect(err.message).toMatch(/hostile\/manifest\.json in .* is not a valid manifest/);
        expect(err.message).toMatch(names);
        // Nothing written: neither the target nor anything next to it.
        expect(existsSync(out)).toBe(false);
        expect(existsSync(join(dirname(out), 'x'))).toBe(false);
        await expect(verifyRemote(app.store, 'hostile', { deep: true })).rejects.toMatchObject({
          category: 'integrity',
          code: 'manifest-invalid',
        });
      } finally {
        await writeManifest(app.store, manifestKey('hostile'), pristine);
      }
    },
  );

  it('a tampered preserved manifest of an earlier revision is refused too (download --revision)', async () => {
    const m = structuredClone(pristine);
    m.files[0]!.path = 'aggregate/../../../outside.csv';
    await writeManifest(app.store, revisionManifestKey('hostile', 1), m);
    try {
      await expect(restoreSweep(app.store, 'hostile', join(work, 'rev1'), { revision: 1 })).rejects.toThrow(
        /hostile\/\.revisions\/1\/manifest\.json in .* is not a valid manifest: files\[0\]\.path: path "aggregate\/\.\.\/\.\.\/\.\.\/outside\.csv" leaves the sweep folder/,
      );
    } finally {
      await app.store.delete(revisionManifestKey('hostile', 1));
    }
  });

  describe("the manifest the journal recorded (a no-op re-sync's quick read)", () => {
    const bytesOf = async (key: string): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      for await (const c of await app.store.get(key)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };

    it('the recorded bytes read back as the manifest; other bytes are checked and refused', async () => {
      const recorded = await bytesOf(manifestKey('hostile'));
      expect(await readManifest(app.store, manifestKey('hostile'), recorded)).toEqual(pristine);
      const m = structuredClone(pristine);
      m.files[0]!.path = '../x';
      await writeManifest(app.store, manifestKey('hostile'), m);
      try {
        await expect(readManifest(app.store, manifestKey('hostile'), recorded)).rejects.toMatchObject({
          category: 'integrity',
          code: 'manifest-invalid',
          message: expect.stringMatching(/files\[0\]\.path: path "\.\.\/x" leaves the sweep folder/),
        });
      } finally {
        await writeManifest(app.store, manifestKey('hostile'), pristine);
      }
    });

    it('is not downloaded while the store says it holds those bytes; an object edited in place is read and checked', async () => {
      const recorded = await bytesOf(manifestKey('hostile'));
      const downloads: string[] = [];
      const counting = Object.assign(Object.create(app.store) as typeof app.store, {
        get: (key: string, options?: { signal?: AbortSignal }) => {
          downloads.push(key);
          return app.store.get(key, options);
        },
      });
      expect(await readManifest(counting, manifestKey('hostile'), recorded)).toEqual(pristine);
      expect(downloads).toEqual([]);

      // The same length, other bytes, written behind the store's back: its recorded sha256 no longer
      // holds (the file's mtime changed), so the manifest is downloaded and refused by the checks.
      const file = localObjectPath((app.store as LocalFolderObjectStore).root, manifestKey('hostile'));
      const forged = Buffer.from(recorded.toString('utf8').replace('"revision":1', '"revision":0'));
      expect(forged.length).toBe(recorded.length);
      await writeFile(file, forged);
      try {
        await expect(readManifest(counting, manifestKey('hostile'), recorded)).rejects.toMatchObject({
          category: 'integrity',
          code: 'manifest-invalid',
          message: expect.stringMatching(/revision/),
        });
        expect(downloads).toEqual([manifestKey('hostile')]);
      } finally {
        await writeManifest(app.store, manifestKey('hostile'), pristine);
      }
    });

    it("the same bytes under another sweep's key are that sweep's manifest only after the checks", async () => {
      const recorded = await bytesOf(manifestKey('hostile'));
      await writeManifest(app.store, manifestKey('other'), pristine);
      try {
        await expect(readManifest(app.store, manifestKey('other'), recorded)).rejects.toMatchObject({
          category: 'integrity',
          code: 'manifest-invalid',
          message: expect.stringMatching(/sweep: must be "other"/),
        });
      } finally {
        await app.store.delete(manifestKey('other'));
      }
    });

    it('a re-sync of the unchanged folder refuses a tampered store manifest although the journal holds the good one', async () => {
      const sweepDir = join(work, 'exp', 'hostile');
      const row = app.journal.sweeps.upsert({ path: sweepDir, name: 'hostile', sweepType: 'balanced' });
      app.journal.revisions.record(row.id, pristine);
      expect((await app.engine.syncSweep(sweepDir, { full: true })).result).toBe('noop');
      const m = structuredClone(pristine);
      m.objects[0]!.size = -5;
      await writeManifest(app.store, manifestKey('hostile'), m);
      try {
        await expect(app.engine.syncSweep(sweepDir, { full: true })).rejects.toMatchObject({
          category: 'integrity',
          code: 'manifest-invalid',
          message: expect.stringMatching(/objects\[0\]\.size: must not be negative/),
        });
      } finally {
        await writeManifest(app.store, manifestKey('hostile'), pristine);
      }
    });
  });

  it('through the CLI: exit 5, code manifest-invalid, the field named', async () => {
    const m = structuredClone(pristine);
    m.objects[1]!.size = -1;
    m.files[2]!.path = '../../x';
    await writeManifest(app.store, manifestKey('hostile'), m);
    try {
      const env = { HOME: app.home, BILANCIO_SYNC_HOME: app.home, BILANCIO_SYNC_FROM_SOURCE: '1' };
      const target = join(work, 'cli-out');
      const down = await runCli(['download', 'hostile', target, '--json'], env, work);
      expect(down.code).toBe(5);
      const err = JSON.parse(down.stdout).error;
      expect(err.code).toBe('manifest-invalid');
      expect(err.message).toMatch(/files\[2\]\.path: path "\.\.\/\.\.\/x" leaves the sweep folder/);
      expect(err.message).toMatch(/objects\[1\]\.size: must not be negative/);
      expect(existsSync(target)).toBe(false);
      expect(await readdir(work)).not.toContain('x');
      const verify = await runCli(['verify', 'hostile'], env, work);
      expect(verify.code).toBe(5);
      expect(verify.stderr).toMatch(/not a valid manifest/);
    } finally {
      await writeManifest(app.store, manifestKey('hostile'), pristine);
    }
  });
});
