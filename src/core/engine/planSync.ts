import { archiveKey, fileKey } from '../model/keys.js';
import type { ManifestObject, RemoteManifest } from '../model/RemoteManifest.js';
import type { FileEntry } from '../model/types.js';

/** An archive unit as the sweep reader reports it: `{name}.tar.gz` holds every file under `paths`. */
export interface UnitSpec {
  name: string;
  paths: string[];
}

export type PlannedObject =
  | { kind: 'aggregate'; key: string; file: FileEntry; reuse: ManifestObject | null }
  | { kind: 'archive'; key: string; branch: string; files: FileEntry[]; reuse: ManifestObject | null };

export interface SyncPlan {
  /** Files this revision stores (loose files, plus archived run data when full). */
  files: FileEntry[];
  objects: PlannedObject[];
  full: boolean;
  /** Nothing changed since the remote manifest: upload nothing. */
  unchanged: boolean;
  /** Revision number this sync writes (the remote one when unchanged). */
  revision: number;
}

function inUnit(path: string, unit: UnitSpec): boolean {
  return unit.paths.some((p) => path === p || path.startsWith(`${p}/`));
}

const sameContent = (a: FileEntry, b: FileEntry): boolean =>
  a.path === b.path && a.size === b.size && a.sha256 === b.sha256;

/**
 * Decide what a sync writes. Files under an archive unit (a branch, or a ring sweep's registry/ + runs/)
 * go into that unit's tar.gz; every other file (aggregate/, a job manifest, sweep.log, unknown extras) is
 * stored as-is, so nothing a sweep holds is ever dropped. Objects whose content the remote revision
 * already holds are reused, not uploaded again.
 */
export function planSync(
  sweep: string,
  allFiles: FileEntry[],
  units: UnitSpec[],
  remote: RemoteManifest | null,
  wantFull: boolean,
): SyncPlan {
  // Once a sweep's run data is in the cloud, every later revision carries it too: an aggregates-only
  // revision on top would make the latest revision restore less than the one before it.
  const full = wantFull || Boolean(remote?.full);
  const unitOf = unitFinder(units);
  const loose: FileEntry[] = [];
  const byUnit = new Map<UnitSpec, FileEntry[]>(units.map((u) => [u, []]));
  // The revision's files, in the order of `allFiles` (a sorted list stays sorted).
  const files: FileEntry[] = [];
  for (const f of allFiles) {
    const unit = unitOf(f);
    if (unit === undefined) loose.push(f);
    else byUnit.get(unit)!.push(f);
    if (unit === undefined || full) files.push(f);
  }
  if (!isSorted(files)) files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // The remote revision's files by path, made only when the lists can't be compared in order.
  let remoteByPath: Map<string, FileEntry> | undefined;
  const remoteFile = (path: string): FileEntry | undefined => {
    remoteByPath ??= new Map(remote?.files.map((f) => [f.path, f]));
    return remoteByPath.get(path);
  };
  const unchanged = remote !== null && remote.full === full && sameContents(remote.files, files, remoteFile);
  const objects: PlannedObject[] = loose.map((file) => {
    const key = fileKey(sweep, file.path);
    const prior = remote?.objects.find(
      (o) => o.key === key && o.sha256 === file.sha256 && o.size === file.size,
    );
    return { kind: 'aggregate', key, file, reuse: prior ?? null };
  });
  if (full) {
    for (const unit of units) {
      const unitFiles = byUnit.get(unit)!;
      if (unitFiles.length === 0) continue;
      const key = archiveKey(sweep, unit.name);
      const prior = remote?.objects.find((o) => o.key === key) ?? null;
      // Unchanged, every file has the remote revision's content: the archive is reused if it holds
      // exactly these paths.
      const same =
        prior !== null &&
        (unchanged ? samePaths(prior.files, unitFiles) : sameFileSet(prior.files, unitFiles, remoteFile));
      objects.push({ kind: 'archive', key, branch: unit.name, files: unitFiles, reuse: same ? prior : null });
    }
  }
  return {
    files,
    objects,
    full,
    unchanged,
    revision: remote ? (unchanged ? remote.revision : remote.revision + 1) : 1,
  };
}

/**
 * Whether `remote` (a revision's files) and `current` (sorted by path) hold the same files with the same
 * content. Paths are unique on both sides: the same count and every file found with the same content is
 * the same set. A manifest lists its files sorted, so they are compared in order, and looked up by path
 * (`remoteFile`) only from the first pair whose paths differ.
 */
function sameContents(
  remote: readonly FileEntry[],
  current: readonly FileEntry[],
  remoteFile: (path: string) => FileEntry | undefined,
): boolean {
  if (remote.length !== current.length) return false;
  let i = 0;
  while (i < current.length && remote[i]!.path === current[i]!.path) {
    if (!sameContent(remote[i]!, current[i]!)) return false;
    i++;
  }
  for (; i < current.length; i++) {
    const r = remoteFile(current[i]!.path);
    if (r === undefined || !sameContent(r, current[i]!)) return false;
  }
  return true;
}

/** Whether `paths` (unique) are exactly the paths of `current`: in order, else as sets. */
function samePaths(paths: readonly string[], current: readonly FileEntry[]): boolean {
  if (paths.length !== current.length) return false;
  if (current.every((f, i) => f.path === paths[i])) return true;
  const wanted = new Set(paths);
  return current.every((f) => wanted.has(f.path));
}

/** The unit a path belongs to, with each unit's folder prefixes made once (12,000 paths are asked). */
function unitFinder(units: UnitSpec[]): (f: FileEntry) => UnitSpec | undefined {
  const dirs = units.flatMap((unit) => unit.paths.map((p) => ({ unit, dir: p, prefix: `${p}/` })));
  return (f) => {
    for (const d of dirs) if (f.path.startsWith(d.prefix) || f.path === d.dir) return d.unit;
    return undefined;
  };
}

function isSorted(files: readonly FileEntry[]): boolean {
  for (let i = 1; i < files.length; i++) if (files[i - 1]!.path > files[i]!.path) return false;
  return true;
}

/**
 * Which files `buildFileManifest` may leave unhashed (sha256 '') because the archive writer will hash
 * them anyway: files of an archive unit whose archive this sync must write whatever their content is.
 * `listed` has sha256 '' for every file whose hash is not known. In a full sync, a unit's unknown files
 * are deferred when the remote has no archive of that unit, or when something already known differs
 * from it (another file set, a size, a known hash); otherwise they are hashed up front, because the
 * archive might be reusable (a file touched, same content) and only their hashes can tell. A sync that
 * is not full defers nothing: it keeps hashing run data up front so that the journal's cache covers the
 * whole sweep, which watch mode's unchanged check relies on (Reconciler). Loose files are never
 * deferred: they are small, and their hash goes into the object's metadata before the upload.
 */
export function hashesToDefer(
  sweep: string,
  listed: readonly FileEntry[],
  units: UnitSpec[],
  remote: RemoteManifest | null,
  wantFull: boolean,
): Set<string> {
  const full = wantFull || Boolean(remote?.full);
  const out = new Set<string>();
  const remoteByPath = new Map(remote?.files.map((f) => [f.path, f]));
  for (const unit of units) {
    const unitFiles = listed.filter((f) => inUnit(f.path, unit));
    const unknown = unitFiles.filter((f) => f.sha256 === '');
    if (unknown.length === 0) continue;
    let defer = false;
    if (full) {
      const prior = remote?.objects.find((o) => o.key === archiveKey(sweep, unit.name));
      const priorFiles = new Set(prior?.files);
      defer =
        prior === undefined ||
        priorFiles.size !== unitFiles.length ||
        !unitFiles.every((f) => {
          const r = remoteByPath.get(f.path);
          return (
            r !== undefined &&
            r.size === f.size &&
            (f.sha256 === '' || r.sha256 === f.sha256) &&
            priorFiles.has(f.path)
          );
        });
    }
    if (defer) for (const f of unknown) out.add(f.path);
  }
  return out;
}

/** True when `paths` (with their entries found by `remoteFile`) hold exactly the content of `current`. */
function sameFileSet(
  paths: string[],
  current: FileEntry[],
  remoteFile: (path: string) => FileEntry | undefined,
): boolean {
  if (!samePaths(paths, current)) return false;
  return current.every((f) => {
    const r = remoteFile(f.path);
    return r !== undefined && sameContent(r, f);
  });
}
