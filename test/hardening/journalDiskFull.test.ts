/**
 * A data folder so full that SQLite's journal can't even be set up: SQLite then often answers
 * SQLITE_IOERR (a WAL or shared-memory write failed with ENOSPC underneath), not SQLITE_FULL. It must still
 * be `disk-full` (exit 4) with the MB, never "internal: disk I/O error". Found by `npm run soak`
 * (disk-full-data, a 0.09 MB tmpfs). Real tmpfs mounts: root only.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';

const root = process.getuid?.() === 0;

describe.skipIf(!root)('a data folder too full for the journal', () => {
  let work: string;
  let sweepDir: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-journal-full-'));
    sweepDir = (
      await generateSweep({ root: join(work, 'exp'), name: 'tiny-disk', type: 'balanced', pairs: 3 })
    ).dir;
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  for (const kib of [40, 64, 92, 128, 200]) {
    it(`${kib} KiB free: disk-full (exit 4) with the MB, and a sync with room afterwards works`, async () => {
      const home = join(work, `home-${kib}`);
      await mkdir(home);
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib * 1024}`, 'tmpfs', home]);
      try {
        const env = { HOME: home, BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0' };
        const r = await runCli(['sync', sweepDir, '--full', '--json'], env, work);
        expect(r.code, r.stdout + r.stderr).toBe(4);
        const error = JSON.parse(r.stdout.slice(r.stdout.lastIndexOf('{"error"'))).error;
        expect(error.code).toBe('disk-full');
        expect(error.message).toMatch(/MB/);
        execFileSync('mount', ['-o', 'remount,size=64m', home]);
        const again = await runCli(['sync', sweepDir, '--full', '--json'], env, work);
        expect(again.code, again.stderr).toBe(0);
      } finally {
        execFileSync('umount', ['-l', home]);
      }
    }, 120_000);
  }
});
