/**
 * Last step of a restore: move verified files from the staging folder into the user's folder.
 * Every target is checked before anything moves, and a failure part-way moves everything back
 * (and puts back anything it replaced), so the target never holds a half restore.
 *
 * The staging folder holds exactly the restored files (it is ours and freshly made), so a folder
 * of the restored tree that does not exist in the target yet moves in with one rename, whole; only
 * where the target already has that folder do we go down a level, and only files that meet an
 * existing file are moved one by one. Restoring into an empty folder is a handful of renames.
 * Staging should sit on the target's file system; across devices we fall back to per-file
 * copy + unlink.
 */
import { copyFile, lstat, mkdir, rename, rm, rmdir, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { runPool } from '../async/runPool.js';
import { SyncError } from '../model/errors.js';
import { fromOsError, isOsError } from '../model/osErrors.js';
import { memberPathProblem, resolveInside } from './memberPath.js';

export interface MoveOptions {
  overwrite: boolean;
}

/** Where replaced targets wait inside staging until the whole move has succeeded. */
const REPLACED_DIR = '.bilancio-replaced';
/** Existence checks and per-file moves in flight at once (each is a threadpool round trip). */
const PARALLEL = 16;

/**
 * A folder (with the paths of the files under it) or a file (without) of the restored tree, by
 * sweep-relative path. A folder's children are made only when it is looked into (childrenOf): into an
 * empty target, only the top level is — 12,000 files are then a handful of nodes, not a tree of them.
 */
interface Node {
  rel: string;
  files?: string[];
}

/** What the target holds at a node's path. */
type Found = 'none' | 'dir' | 'other';

/** One step of the move: a whole subtree (or single file) renamed in, or a file replacing one. */
interface Step {
  node: Node;
  replace: boolean;
}

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
  const { steps, existing } = await plan(targetDir, relPaths);
  if (existing.length && !options.overwrite) {
    const more = existing.length > 1 ? ` (and ${existing.length - 1} more)` : '';
    throw new SyncError(
      'conflict',
      `${path.join(targetDir, existing[0]!)} already exists${more}`,
      {
        text: 'Choose an empty folder, or allow replacing the files there.',
        action: { kind: 'choose-empty-folder', overwriteAllowed: true },
      },
      { code: 'target-not-empty' },
    );
  }

  const moved: string[] = []; // subtrees or files now in the target, by rel
  const replaced: string[] = [];
  const createdDirs: string[] = [];
  const recordDirs = (first: string | undefined, last: string): void => {
    if (first) for (let d = last; d.length >= first.length; d = path.dirname(d)) createdDirs.push(d);
  };
  const replacedRoot = path.join(stagingDir, REPLACED_DIR);

  /** Renames a subtree in; across devices, recreates its folders and moves file by file. */
  const moveIn = async (node: Node): Promise<void> => {
    const from = resolveInside(stagingDir, node.rel);
    const to = resolveInside(targetDir, node.rel);
    try {
      await rename(from, to);
      moved.push(node.rel);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    }
    if (!node.files) {
      await crossDeviceMove(from, to);
      moved.push(node.rel);
      return;
    }
    recordDirs(await mkdir(to, { recursive: true }), to);
    for (const child of childrenOf(node)) await moveIn(child);
  };

  const doStep = async (step: Step): Promise<void> => {
    if (step.replace) {
      const to = resolveInside(targetDir, step.node.rel);
      const aside = resolveInside(replacedRoot, step.node.rel);
      await mkdir(path.dirname(aside), { recursive: true });
      await moveFile(to, aside);
      replaced.push(step.node.rel);
    }
    await moveIn(step.node);
  };

  try {
    recordDirs(await mkdir(targetDir, { recursive: true }), path.resolve(targetDir));
    await runPool(steps, PARALLEL, doStep);
  } catch (e) {
    // Undo: restored files and folders back to staging, replaced originals back into place.
    for (const rel of moved.reverse()) {
      await rename(resolveInside(targetDir, rel), resolveInside(stagingDir, rel)).catch(() =>
        moveFile(resolveInside(targetDir, rel), resolveInside(stagingDir, rel)).catch(() => {}),
      );
    }
    for (const rel of replaced) {
      await moveFile(resolveInside(replacedRoot, rel), resolveInside(targetDir, rel)).catch(() => {});
    }
    for (const d of [...new Set(createdDirs)].sort((a, b) => b.length - a.length))
      await rmdir(d).catch(() => {});
    if (isOsError(e)) {
      const os = fromOsError(e, { path: targetDir, doing: 'moving the restored files in', role: 'argument' });
      throw new SyncError(
        os.category,
        `Could not move the restored files into ${targetDir}: ${os.message}`,
        os.action ? { text: os.hint ?? '', action: os.action } : os.hint,
        { cause: e, code: os.code },
      );
    }
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
  if (replaced.length) await rm(replacedRoot, { recursive: true, force: true });
}

/**
 * The sweep-relative paths among `relPaths` that already exist in `targetDir` (anything at that
 * path, a dangling link included), in `relPaths` order. Folders the target lacks are not looked into.
 */
export async function existingPaths(targetDir: string, relPaths: string[]): Promise<string[]> {
  return (await plan(targetDir, relPaths)).existing;
}

/**
 * Walks the restored tree against the target: a node the target lacks becomes one rename; a
 * folder the target has is looked into; a file the target has is a conflict (replaced with
 * overwrite). A folder whose path holds a file in the target is left to fail at the rename.
 */
async function plan(targetDir: string, relPaths: string[]): Promise<{ steps: Step[]; existing: string[] }> {
  const steps: Step[] = [];
  const existing: string[] = [];
  let level = childrenOf({ rel: '', files: relPaths });
  while (level.length) {
    const found = new Array<Found>(level.length);
    await runPool(
      level.map((n, i) => [n, i] as const),
      PARALLEL,
      async ([n, i]) => {
        found[i] = await whatIsAt(resolveInside(targetDir, n.rel), n.files !== undefined);
      },
    );
    const next: Node[] = [];
    level.forEach((n, i) => {
      const f = found[i]!;
      if (f === 'none') steps.push({ node: n, replace: false });
      else if (n.files && f === 'dir') next.push(...childrenOf(n));
      else if (n.files)
        steps.push({ node: n, replace: false }); // a file in the way: fails, undone
      else {
        existing.push(n.rel);
        steps.push({ node: n, replace: true });
      }
    });
    level = next;
  }
  if (existing.length > 1) {
    const order = new Map(relPaths.map((rel, i) => [rel, i]));
    existing.sort((a, b) => order.get(a)! - order.get(b)!);
  }
  return { steps, existing };
}

/** A folder's entries, in the order of their first path: a file, or a folder with the paths under it. */
function childrenOf(folder: Node): Node[] {
  const from = folder.rel === '' ? 0 : folder.rel.length + 1;
  const byName = new Map<string, Node>();
  for (const p of folder.files ?? []) {
    const slash = p.indexOf('/', from);
    const name = slash < 0 ? p.slice(from) : p.slice(from, slash);
    let child = byName.get(name);
    if (!child) {
      child = { rel: slash < 0 ? p : p.slice(0, slash) };
      byName.set(name, child);
    }
    if (slash < 0) continue;
    child.files ??= [];
    child.files.push(p);
  }
  return [...byName.values()];
}

async function whatIsAt(p: string, wantDir: boolean): Promise<Found> {
  try {
    const st = await lstat(p);
    if (st.isDirectory()) return 'dir';
    // A link to a folder where the sweep has a folder: the files go through it, as before.
    if (wantDir && st.isSymbolicLink())
      return (await stat(p).catch(() => null))?.isDirectory() ? 'dir' : 'other';
    return 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'none';
    throw e;
  }
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await crossDeviceMove(from, to);
  }
}

async function crossDeviceMove(from: string, to: string): Promise<void> {
  await copyFile(from, to); // copyFile keeps bytes but not times: the restored mtime matters
  const { mtime, atime } = await lstat(from);
  await utimes(to, atime, mtime);
  await rm(from);
}
