import type { FileEntry } from '../types.js';
import { archiveKey, fileKey } from './keys.js';
import type { ManifestObject, RemoteManifest } from './RemoteManifest.js';

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
  const loose = allFiles.filter((f) => !units.some((u) => inUnit(f.path, u)));
  const objects: PlannedObject[] = loose.map((file) => {
    const key = fileKey(sweep, file.path);
    const prior = remote?.objects.find(
      (o) => o.key === key && o.sha256 === file.sha256 && o.size === file.size,
    );
    return { kind: 'aggregate', key, file, reuse: prior ?? null };
  });
  const files = [...loose];
  if (full) {
    for (const unit of units) {
      const unitFiles = allFiles.filter((f) => inUnit(f.path, unit));
      if (unitFiles.length === 0) continue;
      const key = archiveKey(sweep, unit.name);
      const prior = remote?.objects.find((o) => o.key === key) ?? null;
      const reuse = prior && remote && sameFileSet(prior.files, unitFiles, remote.files) ? prior : null;
      objects.push({ kind: 'archive', key, branch: unit.name, files: unitFiles, reuse });
      files.push(...unitFiles);
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const unchanged =
    remote !== null &&
    remote.full === full &&
    sameFileSet(
      remote.files.map((f) => f.path),
      files,
      remote.files,
    );
  return {
    files,
    objects,
    full,
    unchanged,
    revision: remote ? (unchanged ? remote.revision : remote.revision + 1) : 1,
  };
}

/** True when `paths` (with their entries in `remoteFiles`) hold exactly the content of `current`. */
function sameFileSet(paths: string[], current: FileEntry[], remoteFiles: FileEntry[]): boolean {
  if (paths.length !== current.length) return false;
  const wanted = new Set(paths);
  const byPath = new Map(remoteFiles.map((f) => [f.path, f]));
  return current.every((f) => {
    const r = byPath.get(f.path);
    return r !== undefined && wanted.has(f.path) && sameContent(r, f);
  });
}
