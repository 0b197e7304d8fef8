/**
 * Permissions as a normal user sees them (the tests run as root, which may read and write everything, so
 * the CLI runs as uid `nobody` here: test/support/asOtherUser.ts). A sweep with something this user can't
 * read is refused before anything is uploaded, naming every path and what to do; a download into a place the
 * user can't write says so naming the folder that refused — not a parent or child that is fine — and leaves
 * the target as it was. Category and exit code as the README's file-system table says: usage (2), code
 * `permission-denied`, for a path the command names.
 */
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/shared/errors.js';
import { generateSweep } from '../fixtures/generator.js';
import {
  asRoot,
  NOBODY,
  type OtherUserFolders,
  otherUserFolders,
  runCliAsOtherUser,
} from '../support/asOtherUser.js';
import type { CliRun } from '../support/cli.js';
import { hashTree } from '../support/tree.js';

let user: OtherUserFolders;
let work: string;
let home: string;

interface Run extends CliRun {
  error: { category?: string; code?: string; message?: string; hint?: string | null } | null;
}

/** The real CLI as user nobody (when the tests run as root; else as the user running them). */
async function runAsUser(args: string[]): Promise<Run> {
  const run = await runCliAsOtherUser(home, [...args, '--json']);
  let error: Run['error'] = null;
  try {
    error = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '').error ?? null;
  } catch {
    // none
  }
  return { ...run, error };
}

/** A folder this user can't write in: root's, 0755 (as root), or read-only (otherwise). */
async function notWritable(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  await chmod(path, asRoot ? 0o755 : 0o555);
  return path;
}

async function storedKeys(): Promise<string[]> {
  const archive = join(home, 'data', 'archive');
  return existsSync(archive) ? [...(await hashTree(archive)).keys()] : [];
}

function expectPermissionDenied(r: Run, path: string): void {
  const said = `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
  expect(r.code, said).toBe(EXIT_CODES.usage);
  expect(r.error?.category, said).toBe('usage');
  expect(r.error?.code, said).toBe('permission-denied');
  expect(r.error?.message, said).toContain(`Permission denied on ${path} `);
  expect(r.error?.hint ?? '', said).toContain(path);
  expect(r.stderr, said).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  // Everyone may pass through the work folder and use the home; what isn't writable is chosen per test.
  user = await otherUserFolders('bsync-perm-');
  ({ work, home } = user);
}, 60_000);
afterAll(async () => {
  await user?.dispose();
});

describe.skipIf(process.platform === 'win32')('as a normal user', () => {
  it('sync: a run folder that cannot be listed and an aggregate file that cannot be read are refused before the first byte', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'locked_parts',
      type: 'balanced',
      pairs: 2,
    });
    await chmod(join(work, 'exp'), 0o755);
    const [run] = (await readdir(join(sweep.dir, 'active', 'runs'))).sort();
    await chmod(join(sweep.dir, 'active', 'runs', run!), 0o000);
    await chmod(join(sweep.dir, 'aggregate', 'summary.json'), 0o000);
    try {
      const r = await runAsUser(['sync', sweep.dir, '--full']);
      const said = `${r.stdout}${r.stderr}`;
      expect(r.code, said).toBe(EXIT_CODES.usage);
      expect(r.error?.code, said).toBe('sweep-preflight');
      expect(r.error?.message).toContain(
        `active/runs/${run}: the folder can't be listed (EACCES: permission denied)`,
      );
      expect(r.error?.message).toContain(
        "aggregate/summary.json: can't be opened for reading (EACCES: permission denied)",
      );
      expect(r.error?.message).toMatch(/nothing was uploaded/);
      expect(r.error?.hint).toMatch(/fix the permissions/);
      expect((await storedKeys()).filter((k) => k.startsWith('locked_parts/'))).toEqual([]);
    } finally {
      await chmod(join(sweep.dir, 'active', 'runs', run!), 0o755);
    }
  }, 120_000);

  it('sync: a sweep folder the user may not read at all', async () => {
    const sweep = await generateSweep({ root: join(work, 'exp'), name: 'closed', type: 'ring', pairs: 2 });
    await chmod(sweep.dir, 0o700);
    const r = await runAsUser(['sync', sweep.dir, '--full']);
    const said = `${r.stdout}${r.stderr}`;
    expect(r.code, said).toBe(EXIT_CODES.usage);
    expect(r.error?.message, said).toContain(sweep.dir);
    expect(r.error?.message, said).toMatch(/permission denied/i);
    expect(r.error?.hint, said).toMatch(/permission/i);
    expect((await storedKeys()).filter((k) => k.startsWith('closed/'))).toEqual([]);
  }, 120_000);

  describe('download', () => {
    let source: Map<string, string>;
    beforeAll(async () => {
      const sweep = await generateSweep({
        root: join(work, 'exp'),
        name: 'readable',
        type: 'balanced',
        pairs: 2,
      });
      const r = await runAsUser(['sync', sweep.dir, '--full']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      source = await hashTree(sweep.dir);
    }, 120_000);

    it('into a new folder two levels below a folder of root: names that folder, creates nothing', async () => {
      const locked = await notWritable(join(work, 'root-owned'));
      const target = join(locked, 'results', 'readable');
      const r = await runAsUser(['download', 'readable', target]);
      expectPermissionDenied(r, locked);
      expect(await readdir(locked)).toEqual([]);
    }, 60_000);

    it('into an existing empty folder of root: names it', async () => {
      const target = await notWritable(join(work, 'root-empty'));
      const r = await runAsUser(['download', 'readable', target]);
      expectPermissionDenied(r, target);
      expect(await readdir(target)).toEqual([]);
    }, 60_000);

    it("into the user's own folder holding a sub-folder of root: names the sub-folder, leaves the target as it was", async () => {
      const target = join(work, 'mine');
      await mkdir(target);
      if (asRoot) await chown(target, NOBODY, NOBODY);
      else await chmod(target, 0o755);
      const locked = await notWritable(join(target, 'passive'));
      const r = await runAsUser(['download', 'readable', target]);
      expectPermissionDenied(r, locked);
      expect((await readdir(target)).sort()).toEqual(['passive']);
      expect(await readdir(locked)).toEqual([]);
      // With that folder writable, the same download works.
      if (asRoot) await chown(locked, NOBODY, NOBODY);
      else await chmod(locked, 0o755);
      const again = await runAsUser(['download', 'readable', target]);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(await hashTree(target)).toEqual(source);
    }, 60_000);
  });
});
