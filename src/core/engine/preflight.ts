/**
 * Checks a sync makes before the first byte is uploaded, so that a sweep the destinations can't take is
 * refused whole, with every problem listed at once, and nothing is left behind in the store.
 *
 * What is refused (SyncError 'usage', code `sweep-preflight`: the sweep folder must be fixed; waiting
 * can't help, so watch mode does not retry it by itself):
 * - a file or folder name an archive can't hold or a restore would refuse (see memberPathProblem:
 *   backslashes, control characters, …), a name that is not valid UTF-8 (Node shows those bytes as
 *   U+FFFD, so the file can't even be opened by that name), and a name whose object key is too long for
 *   S3 (1024 bytes, less room for the store prefix and for a kept revision's `revisions/{n}/`);
 * - a symbolic link (bilancio writes none; Bilancio Sync neither follows nor stores links);
 * - a file that can't be opened for reading, or a folder that can't be listed (a file the journal's hash
 *   cache knows unchanged is not opened again: see checkSweepFiles);
 * - a catalog key the catalog can't index (a run_id longer than MAX_KEY_BYTES).
 *
 * What is cleaned, with a warning naming file, row and column (the archive and the loose objects keep the
 * original bytes; only the catalog's copy of the cell differs):
 * - NUL characters in a CSV cell or header, or in a string or key of summary.json / a job manifest:
 *   PostgreSQL text and jsonb can't hold U+0000 (error 22P05), so they are dropped in the catalog;
 * - bytes that are not valid UTF-8 in an aggregate file: the catalog holds U+FFFD in their place.
 * Everything else (other control characters, long cells) PostgreSQL, SQLite and PostgREST take as is.
 */
import { closeSync, openSync } from 'node:fs';
import { sep } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { memberPathProblem } from '../archive/memberPath.js';
import { SyncError } from '../model/errors.js';
import { fileKey } from '../model/keys.js';
import { fromOsError, isOutOfFileDescriptors, osErrorFromWire } from '../model/osErrors.js';
import type { CsvRow, CsvTable, Json } from '../model/types.js';
import type { SweepAggregates } from '../sweep/aggregates.js';
import { EntryKind, type SweepTree, walkSweepTree } from '../sweep/sweepTree.js';

export interface PreflightProblem {
  /** Sweep-relative path of the file (or folder) concerned. */
  file: string;
  /** 1-based data row (the header is row 0), when the problem is in a cell. */
  row?: number;
  column?: string;
  problem: string;
}

/** S3 allows 1024 bytes per key; the rest is room for a store prefix and `revisions/{n}/`. */
export const MAX_OBJECT_KEY_BYTES = 900;
/** A btree index entry in PostgreSQL holds at most ~2700 bytes; run_id is part of a primary key. */
export const MAX_KEY_BYTES = 2000;
const DRIVE_LETTER = /^[A-Za-z]:/;
/** Files the readability check opens between two turns of the event loop (~5 ms of work). */
const OPENS_PER_TURN = 1024;
/** Locations listed per file and kind of cleaning in one warning. */
const MAX_LOCATIONS = 5;

/** A regular file of the sweep as the preflight walk found it (lstat: links are never followed). */
export interface ListedFile {
  /** Sweep-relative, forward slashes. */
  path: string;
  size: number;
  mtimeMs: number;
}

/** What the journal's hash cache remembers of a file: read whole (hashed) at that size and mtime. */
export interface KnownFile {
  size: number;
  mtimeMs: number;
}

export interface SweepFilesCheck {
  /** Every problem, in path order; empty when the sweep can be synced as far as its files go. */
  problems: PreflightProblem[];
  /** Every regular file whose name is fine, sorted by path (plain code-unit order), as the manifest lists. */
  files: ListedFile[];
  /** Of those, how many were opened to prove they can be read (the others the cache vouched for). */
  opened: number;
}

/** Running out of descriptors is the machine's limit: one error for the sync, not one per file. */
const descriptorsError = (e: unknown, root: string, sweep: string): SyncError =>
  fromOsError(e, { path: root, doing: `checking the files of ${sweep}`, role: 'argument' });

/**
 * Every name, link and readability problem of the files under `root` (the sweep folder). A file that
 * disappears meanwhile is not a problem here (the sync will notice a changed sweep).
 *
 * Readability: a file is opened (and closed) unless `known` — the journal's hash cache — vouches for it:
 * same size and mtime as when it was last read whole, and permission bits that still let this process
 * read it. An unchanged file was readable then; what can take that away without touching size or mtime
 * is a chmod/chown (it changes only the ctime), which the lstat's mode, uid and gid show, so such a file
 * is opened again and refused as before. What the bits can't show (an ACL, a MAC policy, a FUSE mount
 * that changed its mind) is left to the read itself; on a no-op re-sync no file is read, so nothing
 * there depends on it.
 */
export async function checkSweepFiles(
  root: string,
  sweep: string,
  known?: ReadonlyMap<string, KnownFile>,
): Promise<SweepFilesCheck> {
  const listing = listSweepFiles(root, sweep, known);
  return { problems: await everyProblem(listing), files: listing.files, opened: listing.opened };
}

/** The listing's problems and, once every file was tried, the unreadable ones: in path order. */
export async function everyProblem(listing: SweepFilesListing): Promise<PreflightProblem[]> {
  const problems = [...listing.problems, ...(await listing.unreadable)];
  return problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** The preflight in two parts: what the walk found at once, and the readability check under way. */
export interface SweepFilesListing {
  /** Naming, link and listing problems (path order). */
  problems: PreflightProblem[];
  files: ListedFile[];
  /** How many files are being opened (those the cache doesn't vouch for). */
  opened: number;
  /**
   * The files that can't be opened, once every one was tried. Never rejects except for running out
   * of descriptors (the machine's limit, one SyncError for the sync).
   */
  unreadable: Promise<PreflightProblem[]>;
}

/**
 * checkSweepFiles, with its readability check left running: the files are opened in batches between
 * turns of the event loop, so a sync judges and parses the sweep meanwhile, and awaits
 * `unreadable` before anything is uploaded (src/core/engine/SyncEngine.ts). `tree`: the folder walked
 * already (on a worker thread, while the engine loaded: prefetchSweepTree.ts); else it is walked now.
 */
export function listSweepFiles(
  root: string,
  sweep: string,
  known?: ReadonlyMap<string, KnownFile>,
  tree: SweepTree = walkSweepTree(root),
): SweepFilesListing {
  if (tree.outOfDescriptors) throw descriptorsError(osErrorFromWire(tree.outOfDescriptors), root, sweep);
  const problems: PreflightProblem[] = [];
  const files: ListedFile[] = [];
  const toOpen: string[] = [];
  const { paths, kinds, numbers, errors } = tree;
  // Whether each folder's own path passed the naming check: then only the names of its entries need
  // one (the walk lists a folder before its entries). The root ('') passes.
  const folderOk = new Map<string, boolean>([['', true]]);
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    const kind = kinds[i] as EntryKind;
    if (path === '') {
      const e = osErrorFromWire(errors.get(i)!);
      problems.push({ file: '.', problem: `the folder can't be listed (${errnoText(e)})` });
      continue;
    }
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '' : path.slice(0, slash);
    const name = path.slice(slash + 1);
    const parentOk = folderOk.get(parent) ?? false;
    const nested = parentOk && parent !== '';
    const nameProblem =
      nested && plainName(sweep, path, name) ? undefined : namingProblem(sweep, path, name, nested);
    if (nameProblem) problems.push({ file: path, problem: nameProblem });
    switch (kind) {
      case EntryKind.Folder:
        folderOk.set(path, !nameProblem);
        break;
      case EntryKind.Unlisted:
        folderOk.set(path, !nameProblem);
        problems.push({
          file: path,
          problem: `the folder can't be listed (${errnoText(osErrorFromWire(errors.get(i)!))})`,
        });
        break;
      case EntryKind.Unstatable:
        problems.push({
          file: path,
          problem: `can't be looked at (${errnoText(osErrorFromWire(errors.get(i)!))})`,
        });
        break;
      case EntryKind.SymbolicLink:
        problems.push({
          file: path,
          problem: 'is a symbolic link (bilancio writes none; links are neither followed nor stored)',
        });
        break;
      case EntryKind.File:
      case EntryKind.FileNoAccess: {
        if (nameProblem) break;
        const size = numbers[2 * i]!;
        const mtimeMs = numbers[2 * i + 1]!;
        files.push({ path, size, mtimeMs });
        const k = known?.get(path);
        const vouched =
          kind === EntryKind.File && k !== undefined && k.size === size && k.mtimeMs === mtimeMs;
        if (!vouched) toOpen.push(path);
        break;
      }
      // Sockets, FIFOs, devices: not files bilancio writes; the manifest skips them.
    }
  }
  const unreadable = openEach(`${root.endsWith(sep) ? root : `${root}${sep}`}`, root, sweep, toOpen);
  unreadable.catch(() => {}); // awaited by the caller; not unhandled if it fails first elsewhere
  return { problems, files, opened: toOpen.length, unreadable };
}

/**
 * Opens (and closes) each file: the ones that can't be opened. Synchronous calls, a batch per turn of
 * the event loop: a promise-based open and close cost ~25 µs of main-thread time per file against ~4 µs
 * for the two system calls (measured on 119,000 files: 2.9 s against 0.5 s), and the main thread is
 * what a sync waits for here; the yields let the completion check's reads go on in between.
 */
async function openEach(
  base: string,
  root: string,
  sweep: string,
  toOpen: string[],
): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  for (let i = 0; i < toOpen.length; i++) {
    if (i % OPENS_PER_TURN === OPENS_PER_TURN - 1) await nextTurn();
    const path = toOpen[i]!;
    try {
      closeSync(openSync(base + path, 'r'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      // Too many open files is the machine's limit, not the file's fault: one error for the sync.
      if (isOutOfFileDescriptors(e)) throw descriptorsError(e, root, sweep);
      problems.push({ file: path, problem: `can't be opened for reading (${errnoText(e)})` });
    }
  }
  return problems;
}

/**
 * The names bilancio writes (`grid_0123456789ab`, `run.html`, `events.jsonl`, …): nothing but ASCII
 * letters, digits and `_.+=@,-`, and not `.` or `..`. Such a name can't break any rule of namingProblem,
 * and if the object key is short enough that even 3 UTF-8 bytes per code unit stay under the limit, it
 * can't be too long either: the walk skips the full check for them (most of a listing's time after
 * the system calls, in a short-lived CLI whose code has not been optimised yet).
 */
function plainName(sweep: string, path: string, name: string): boolean {
  return PLAIN_NAME.test(name) && (sweep.length + 1 + path.length) * 3 <= MAX_OBJECT_KEY_BYTES;
}
const PLAIN_NAME = /^(?!\.\.?$)[A-Za-z0-9_.+=@,-]+$/;

/**
 * What is wrong with the name of `path` (its last segment `name`), if anything. `nestedInOk`: it sits in
 * a folder whose path passed: then the member-path rules need only look at `name` (the segments before
 * it passed them, and a drive letter can only be the first segment) — the same answer, without
 * re-splitting the whole path for each of 12,000 files.
 */
function namingProblem(sweep: string, path: string, name: string, nestedInOk: boolean): string | undefined {
  if (name.includes('\uFFFD')) return 'its name is not valid UTF-8, so it can be neither stored nor restored';
  const member = nestedInOk && !DRIVE_LETTER.test(name) ? memberPathProblem(name) : memberPathProblem(path);
  if (member) return `its name ${member}, which an archive can't hold`;
  const keyBytes = Buffer.byteLength(fileKey(sweep, path));
  if (keyBytes > MAX_OBJECT_KEY_BYTES)
    return `its path is too long for an object key (${keyBytes} bytes, at most ${MAX_OBJECT_KEY_BYTES})`;
  return undefined;
}

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EACCES' || err.code === 'EPERM') return `${err.code}: permission denied`;
  return err.code
    ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`
    : err.message;
}

export interface CleanedPayload {
  aggregates: SweepAggregates;
  /** What the catalog holds differently from the files (the files are stored as they are). */
  warnings: string[];
  problems: PreflightProblem[];
}

/**
 * The aggregates as the catalog can take them: NULs dropped (cells, headers, JSON strings and keys),
 * invalid UTF-8 reported; plus the cells no catalog can take (problems). The input is not changed.
 */
export function cleanCatalogPayload(aggregates: SweepAggregates): CleanedPayload {
  const warnings: string[] = [];
  const problems: PreflightProblem[] = [];
  const invalid = new Set(aggregates.invalidUtf8 ?? []);

  const cleanTable = (file: string, table: CsvTable, keyColumn: string | null): CsvTable => {
    const nul: string[] = [];
    const replaced: string[] = [];
    const header = table.header.map((h) => {
      if (h.includes('\u0000')) nul.push(`the header's column "${dropNul(h)}"`);
      if (invalid.has(file) && h.includes('\uFFFD')) replaced.push(`the header's column "${dropNul(h)}"`);
      return dropNul(h);
    });
    const renamed = header.some((h, i) => h !== table.header[i]);
    if (renamed && new Set(header).size !== header.length)
      problems.push({ file, row: 0, problem: 'two column names differ only by NUL characters' });
    const rows = table.rows.map((row, r) => {
      let out: CsvRow | null = null;
      table.header.forEach((name, c) => {
        const v = row[name] ?? null;
        const column = header[c]!;
        if (v !== null && invalid.has(file) && v.includes('\uFFFD'))
          replaced.push(`row ${r + 1} column "${column}"`);
        if (keyColumn === name && v !== null && Buffer.byteLength(v) > MAX_KEY_BYTES)
          problems.push({
            file,
            row: r + 1,
            column,
            problem: `the ${column} is ${Buffer.byteLength(v)} bytes long; the catalog indexes at most ${MAX_KEY_BYTES}`,
          });
        if ((v !== null && v.includes('\u0000')) || renamed) {
          out ??= renamed ? {} : { ...row };
          if (v !== null && v.includes('\u0000')) nul.push(`row ${r + 1} column "${column}"`);
          const cleaned = v === null ? null : dropNul(v);
          Object.defineProperty(out, column, {
            value: cleaned === '' ? null : cleaned,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
      });
      return out ?? row;
    });
    warn(file, nul, 'NUL characters', 'were dropped in the catalog (PostgreSQL text cannot hold them)');
    warn(file, replaced, 'bytes that are not valid UTF-8', 'are U+FFFD in the catalog');
    return nul.length === 0 ? table : { header, rows };
  };

  const cleanJson = (file: string, value: Json): Json => {
    const nul: string[] = [];
    const replaced: string[] = [];
    const walk = (v: Json, at: string): Json => {
      if (typeof v === 'string') {
        if (invalid.has(file) && v.includes('\uFFFD')) replaced.push(at || 'the value');
        if (!v.includes('\u0000')) return v;
        nul.push(at || 'the value');
        return dropNul(v);
      }
      if (v === null || typeof v !== 'object') return v;
      if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`));
      const out: Record<string, Json> = {};
      for (const [k, x] of Object.entries(v)) {
        const key = dropNul(k);
        if (key !== k) nul.push(`the key ${at ? `${at}.` : ''}${key}`);
        Object.defineProperty(out, key, {
          value: walk(x, at ? `${at}.${key}` : key),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    };
    const cleaned = walk(value, '');
    warn(file, nul, 'NUL characters', 'were dropped in the catalog (PostgreSQL jsonb cannot hold them)');
    warn(file, replaced, 'bytes that are not valid UTF-8', 'are U+FFFD in the catalog');
    return nul.length === 0 ? value : cleaned;
  };

  const warn = (file: string, where: string[], what: string, done: string) => {
    if (where.length === 0) return;
    const shown = where.slice(0, MAX_LOCATIONS).join(', ');
    const more = where.length > MAX_LOCATIONS ? ` and ${where.length - MAX_LOCATIONS} more` : '';
    warnings.push(`${file}: ${what} in ${shown}${more} ${done}; the file is stored byte for byte`);
  };

  const out: SweepAggregates = {
    ...aggregates,
    comparison: aggregates.comparison && {
      path: aggregates.comparison.path,
      table: cleanTable(aggregates.comparison.path, aggregates.comparison.table, null),
    },
    // A summary read as catalog text holds no NUL and was valid UTF-8 (aggregates.ts): nothing to clean.
    summary:
      aggregates.summary &&
      (aggregates.summary.catalog
        ? aggregates.summary
        : { ...aggregates.summary, data: cleanJson(aggregates.summary.path, aggregates.summary.data) }),
    registries: aggregates.registries.map((r) => ({ ...r, table: cleanTable(r.path, r.table, 'run_id') })),
    jobManifests: aggregates.jobManifests.map((m) => ({ ...m, data: cleanJson(m.path, m.data) })),
  };
  // Files not read as text at all (torn beyond use) have no cells to clean but still hold other bytes.
  for (const file of invalid) {
    if (!warnings.some((w) => w.startsWith(`${file}:`)))
      warnings.push(`${file} is not valid UTF-8 text; the file is stored byte for byte`);
  }
  return { aggregates: out, warnings, problems };
}

function dropNul(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
}

/** One error for every problem found before uploading (nothing was uploaded). */
export function preflightError(sweep: string, problems: PreflightProblem[]): SyncError {
  const lines = problems.map((p) => {
    const where = [p.file, p.row !== undefined ? `row ${p.row}` : '', p.column ? `column "${p.column}"` : '']
      .filter(Boolean)
      .join(', ');
    return `  ${where}: ${p.problem}`;
  });
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new SyncError(
    'usage',
    `${sweep} can't be synced as it is (${count}; nothing was uploaded):\n${lines.join('\n')}`,
    'Rename, remove or fix the permissions of the files listed, then sync again.',
    { code: 'sweep-preflight' },
  );
}
