/**
 * Last step of a restore: move verified files from the staging folder into the user's folder.
 * Every target is checked before anything moves, and a failure part-way moves the files back
 * (and puts back anything it replaced), so the target never holds a half restore.
 * Staging should sit on the target's file system; across devices we fall back to copy + unlink.
 */
import { copyFile, lstat, mkdir, rename, rm, rmdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { SyncError } from '../errors.js';
import { memberPathProblem, resolveInside } from './memberPath.js';

export interface MoveOptions {
  overwrite: boolean;
}

/** Where replaced targets wait inside staging until the whole move has succeeded. */
const REPLACED_DIR = '.bilancio-replaced';

export async function moveIntoPlace(
  stagingDir: string,
  targetDir: string,
  relPaths: string[],
  options: MoveOptions,
): Promise<void> {
  for (const rel of relPaths) {
    const problem = memberPathProblem(rel);
    if (problem) throw new SyncError('internal', `Cannot restore ${JSON.stringify(rel)}: it ${problem}`);
  }
  const existing: string[] = [];
  for (const rel of relPaths) {
    if (await exists(resolveInside(targetDir, rel))) existing.push(rel);
  }
  if (existing.length && !options.overwrite) {
    const more = existing.length > 1 ? ` (and ${existing.length - 1} more)` : '';
    throw new SyncError(
      'conflict',
      `${path.join(targetDir, existing[0]!)} already exists${more}`,
      'Choose an empty folder or pass --overwrite',
    );
  }

  const moved: string[] = [];
  const replaced: string[] = [];
  const createdDirs: string[] = [];
  try {
    for (const rel of relPaths) {
      const to = resolveInside(targetDir, rel);
      const first = await mkdir(path.dirname(to), { recursive: true });
      if (first)
        for (let d = path.dirname(to); d.length >= first.length; d = path.dirname(d)) createdDirs.push(d);
      if (options.overwrite && (await exists(to))) {
        await move(to, resolveInside(path.join(stagingDir, REPLACED_DIR), rel));
        replaced.push(rel);
      }
      await move(resolveInside(stagingDir, rel), to);
      moved.push(rel);
    }
  } catch (e) {
    // Undo in reverse: restored files back to staging, replaced originals back into place.
    for (const rel of moved.reverse()) {
      await move(resolveInside(targetDir, rel), resolveInside(stagingDir, rel)).catch(() => {});
    }
    for (const rel of replaced) {
      await move(
        resolveInside(path.join(stagingDir, REPLACED_DIR), rel),
        resolveInside(targetDir, rel),
      ).catch(() => {});
    }
    for (const d of [...new Set(createdDirs)].sort((a, b) => b.length - a.length))
      await rmdir(d).catch(() => {});
    throw e instanceof SyncError
      ? e
      : new SyncError(
          'internal',
          `Could not move restored files into ${targetDir}: ${(e as Error).message}`,
          undefined,
          {
            cause: e,
          },
        );
  }
  if (replaced.length) await rm(path.join(stagingDir, REPLACED_DIR), { recursive: true, force: true });
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw e;
  }
}

async function move(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await copyFile(from, to); // copyFile keeps bytes but not times: the restored mtime matters
    const { mtime, atime } = await lstat(from);
    await utimes(to, atime, mtime);
    await rm(from);
  }
}
