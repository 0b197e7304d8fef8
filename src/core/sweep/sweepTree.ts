/**
 * A sweep folder's tree as one walk finds it: every entry (folders too) in the order of a sorted list
 * of paths, with what lstat says of each. No judgement: the preflight (src/core/engine/preflight.ts)
 * decides what is a problem, which needs the sweep's name and the journal's cache.
 *
 * Kept in flat arrays (paths, kinds, numbers) rather than an object per entry, because the walk can run
 * on a worker thread while the engine loads (prefetchSweepTree.ts): the arrays cross to the main thread
 * as one string and two transferred buffers, where 12,000 objects would be cloned one by one.
 */
import { type Dirent, lstatSync, readdirSync, type Stats } from 'node:fs';
import { sep } from 'node:path';
import { isOutOfFileDescriptors, osErrorOnWire, type WireOsError } from '../model/osErrors.js';

/** What an entry of the tree is (kinds[i]). */
export const EntryKind = {
  /** A folder, listed: its entries follow it. */
  Folder: 0,
  /** A folder that can't be listed (`errors` holds why); the root folder has the path ''. */
  Unlisted: 1,
  /** A regular file: size and mtimeMs in `numbers`. */
  File: 2,
  /** A regular file whose permission bits don't let this process read it (see readAccess). */
  FileNoAccess: 3,
  SymbolicLink: 4,
  /** lstat failed (`errors` holds why). */
  Unstatable: 5,
  /** A socket, FIFO or device: nothing bilancio writes. */
  Other: 6,
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

export interface SweepTree {
  root: string;
  /** Sweep-relative paths, forward slashes, in walk order. */
  paths: string[];
  kinds: Uint8Array<ArrayBuffer>;
  /** size and mtimeMs of entry i at 2i and 2i+1 (files only). */
  numbers: Float64Array<ArrayBuffer>;
  /** The errors of Unlisted and Unstatable entries, by index. */
  errors: Map<number, WireOsError>;
  /** The walk itself failed for want of file descriptors (the sync fails as a whole). */
  outOfDescriptors?: WireOsError;
}

/**
 * Walks `root` synchronously, folder by folder: with the sweep in the page cache (bilancio has just
 * written it) this takes less than half the CPU of a promise per folder and per file. Paths are joined
 * by hand: path.join normalises, which costs more than the lstat on 12,000 files. A folder that vanished
 * meanwhile, or a file gone before its lstat, is left out.
 */
export function walkSweepTree(root: string): SweepTree {
  const paths: string[] = [];
  const kinds: number[] = [];
  const numbers: number[] = [];
  const errors = new Map<number, WireOsError>();
  const access = readAccess();
  const base = root.endsWith(sep) ? root : `${root}${sep}`;
  const add = (path: string, kind: EntryKind, size = 0, mtimeMs = 0): number => {
    paths.push(path);
    kinds.push(kind);
    numbers.push(size, mtimeMs);
    return paths.length - 1;
  };
  const walk = (rel: string): void => {
    let dirents: Dirent[];
    try {
      dirents = readdirSync(rel ? base + rel : root, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && rel !== '') return;
      if (isOutOfFileDescriptors(e)) throw new OutOfDescriptors(e);
      errors.set(add(rel, EntryKind.Unlisted), osErrorOnWire(e as NodeJS.ErrnoException));
      return;
    }
    if (rel !== '') add(rel, EntryKind.Folder);
    // Each folder's entries in the order that lists the whole tree sorted by path: a folder sorts as
    // its name + "/" (so "a.txt" comes before the files in "a/", as in a sorted list of paths). A name
    // holds no "/", so the key alone says which entries are folders; the default sort compares code
    // units, as `<` does.
    const keys = dirents.map((d) => (d.isDirectory() ? `${d.name}/` : d.name));
    keys.sort();
    for (const key of keys) {
      const isFolder = key.endsWith('/');
      const name = isFolder ? key.slice(0, -1) : key;
      const path = rel ? `${rel}/${name}` : name;
      if (isFolder) {
        walk(path);
        continue;
      }
      let s: Stats | undefined;
      try {
        s = lstatSync(base + path, { throwIfNoEntry: false });
      } catch (e) {
        errors.set(add(path, EntryKind.Unstatable), osErrorOnWire(e as NodeJS.ErrnoException));
        continue;
      }
      if (!s) continue; // gone meanwhile
      if (s.isDirectory()) walk(path);
      else if (s.isSymbolicLink()) add(path, EntryKind.SymbolicLink);
      else if (s.isFile()) add(path, access(s) ? EntryKind.File : EntryKind.FileNoAccess, s.size, s.mtimeMs);
      else add(path, EntryKind.Other);
    }
  };
  const tree = (): SweepTree => ({
    root,
    paths,
    kinds: Uint8Array.from(kinds),
    numbers: Float64Array.from(numbers),
    errors,
  });
  try {
    walk('');
  } catch (e) {
    if (e instanceof OutOfDescriptors) return { ...tree(), outOfDescriptors: e.data };
    throw e;
  }
  return tree();
}

class OutOfDescriptors extends Error {
  readonly data: WireOsError;
  constructor(e: unknown) {
    super('out of file descriptors');
    this.data = osErrorOnWire(e as NodeJS.ErrnoException);
  }
}

/**
 * Whether the permission bits of a file let this process read it, as the kernel decides for them: the
 * owner's bits if it is ours, else the group's if we are in its group, else the others'. Root reads
 * anything. Where there are no POSIX ids (Windows), the bits say nothing: every file passes. (A worker
 * thread has the process's ids: the answer is the same there.)
 */
function readAccess(): (s: Stats) => boolean {
  const uid = process.getuid?.();
  if (uid === undefined || uid === 0) return () => true;
  const groups = new Set(process.getgroups?.() ?? []);
  const gid = process.getgid?.();
  if (gid !== undefined) groups.add(gid);
  return (s) => {
    if (s.uid === uid) return (s.mode & 0o400) !== 0;
    if (groups.has(s.gid)) return (s.mode & 0o040) !== 0;
    return (s.mode & 0o004) !== 0;
  };
}
