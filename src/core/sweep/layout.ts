import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SweepType } from '../../shared/states.js';
import { SyncError } from '../model/errors.js';

/**
 * One archive of a sweep's run data (SPEC §2): `{sweep}/{name}.tar.gz` holds every file under `paths`.
 * Member paths inside the archive start at the sweep root, so `paths` are sweep-relative directories:
 * `['passive']` for a branch, `['registry', 'runs']` for a ring sweep root (archive name `runs`).
 * Only directories that exist are listed.
 */
export interface ArchiveUnit {
  name: string;
  paths: string[];
}

/** A registry file and the branch it belongs to ('' for a ring sweep root). */
export interface RegistryRef {
  branch: string;
  /** Sweep-relative path, e.g. 'passive/registry/experiments.csv' or 'registry/experiments.csv'. */
  path: string;
}

/**
 * The shape of a sweep folder, as found on disk. All paths are sweep-relative with forward slashes.
 * Files a sweep is expected to grow (the comparison table, registries) are listed where they will be even
 * if bilancio has not written them yet, so readers can tell "not yet" from "never"; `exists` flags say
 * which are there now.
 */
export interface SweepLayout {
  type: SweepType;
  /** Branch folders present, in canonical order: ['passive','active'] or ['control','treatment'];
   *  [] for ring (registry/ and runs/ sit at the root) and aggregate-only sweeps. */
  branches: string[];
  /** What goes into `{name}.tar.gz` archives: one per branch, or one named 'runs' for a ring root. */
  archiveUnits: ArchiveUnit[];
  /** 'aggregate' when that folder exists, else null. */
  aggregateDir: string | null;
  /** Where the comparison table lives: 'aggregate/comparison.csv' ('aggregate/results.csv' for ring). */
  comparisonPath: string;
  comparisonExists: boolean;
  /** Every registry/experiments.csv that exists, per branch. */
  registries: RegistryRef[];
  /** Every `{job_id}/job_manifest.json`, sorted. Those folders are never branches. */
  jobManifests: string[];
}

const BRANCHES: Record<'balanced' | 'dealer', readonly string[]> = {
  balanced: ['passive', 'active'],
  dealer: ['control', 'treatment'],
};

const REGISTRY_FILE = 'registry/experiments.csv';
const JOB_MANIFEST = 'job_manifest.json';

/**
 * Recognise a bilancio sweep folder (SPEC §1).
 *
 * - balanced: `passive/` and/or `active/` branch folders;
 * - dealer: `control/` and/or `treatment/`;
 * - ring: `registry/` or `runs/` at the root, or `aggregate/results.csv` / `aggregate/dashboard.html`;
 * - aggregate-only: no branches, only `aggregate/comparison.csv`, `summary.json` or `sweep_summary.txt`.
 *
 * A branch is recognised by its name alone (early in a sweep `runs/` may exist before the registry), so
 * either branch of a pair is enough. Throws SyncError('not-ready') for a folder that is empty or holds
 * only an empty aggregate/ and job manifests (a sweep that has just started), SyncError('usage') for
 * anything else that is not a sweep,
 * SyncError('not-found') when the folder does not exist.
 */
export async function detectLayout(sweepDir: string): Promise<SweepLayout> {
  const root = await listDir(sweepDir, true);
  const dirs = new Set(root.filter((d) => d.isDirectory()).map((d) => d.name));

  const jobManifests: string[] = [];
  await Promise.all(
    [...dirs].map(async (name) => {
      if (await isFile(join(sweepDir, name, JOB_MANIFEST))) jobManifests.push(`${name}/${JOB_MANIFEST}`);
    }),
  );
  jobManifests.sort();
  const jobDirs = new Set(jobManifests.map((p) => p.slice(0, p.indexOf('/'))));

  const aggregateDir = dirs.has('aggregate') ? 'aggregate' : null;
  const aggregateFiles = aggregateDir
    ? new Set(
        (await listDir(join(sweepDir, aggregateDir), false)).filter((d) => d.isFile()).map((d) => d.name),
      )
    : new Set<string>();

  const present = (names: readonly string[]) => names.filter((n) => dirs.has(n) && !jobDirs.has(n));
  const balanced = present(BRANCHES.balanced);
  const dealer = present(BRANCHES.dealer);
  const ringRoot = ['registry', 'runs'].filter((n) => dirs.has(n));
  const ringAggregate = aggregateFiles.has('results.csv') || aggregateFiles.has('dashboard.html');

  const kinds: string[] = [];
  if (balanced.length) kinds.push(`balanced branches (${balanced.join(', ')})`);
  if (dealer.length) kinds.push(`dealer-comparison branches (${dealer.join(', ')})`);
  if (ringRoot.length) kinds.push(`ring folders at the root (${ringRoot.join(', ')})`);
  if (kinds.length > 1) {
    throw new SyncError(
      'usage',
      `${sweepDir} does not look like a bilancio sweep: it mixes ${kinds.join(' and ')}`,
      'Point Bilancio Sync at one sweep folder (out/experiments/{sweep}), not at a folder holding several.',
    );
  }

  let type: SweepType;
  let branches: string[] = [];
  if (balanced.length) {
    type = 'balanced';
    branches = balanced;
  } else if (dealer.length) {
    type = 'dealer';
    branches = dealer;
  } else if (ringRoot.length || ringAggregate) {
    type = 'ring';
  } else if (['comparison.csv', 'summary.json', 'sweep_summary.txt'].some((f) => aggregateFiles.has(f))) {
    type = 'aggregate-only';
  } else if (await justStarted(sweepDir, root, aggregateFiles)) {
    // Bilancio creates the sweep folder, aggregate/ and the job manifest before any branch or result:
    // a watcher meets this state at the start of every sweep. It is not a mistake, just too early.
    throw new SyncError(
      'not-ready',
      `${sweepDir} has no runs or results yet (${root.length ? 'a sweep that has only just started' : 'an empty folder'})`,
      'Wait for bilancio to write its first runs.',
    );
  } else {
    const seen = root.map((d) => d.name + (d.isDirectory() ? '/' : '')).slice(0, 8);
    throw new SyncError(
      'usage',
      `${sweepDir} does not look like a bilancio sweep: no passive/active or control/treatment branch, no ring ` +
        `registry/ or runs/, no aggregate/ results (found: ${seen.length ? seen.join(', ') : 'nothing'})`,
      'Choose a folder under out/experiments/ that bilancio wrote, e.g. out/experiments/my_sweep.',
    );
  }

  const archiveUnits: ArchiveUnit[] =
    type === 'ring'
      ? ringRoot.length
        ? [{ name: 'runs', paths: ringRoot }]
        : []
      : branches.map((b) => ({ name: b, paths: [b] }));

  const registryCandidates =
    type === 'ring'
      ? [{ branch: '', path: REGISTRY_FILE }]
      : branches.map((b) => ({ branch: b, path: `${b}/${REGISTRY_FILE}` }));
  const registries: RegistryRef[] = [];
  for (const r of registryCandidates) if (await isFile(join(sweepDir, r.path))) registries.push(r);

  const comparisonName = type === 'ring' ? 'results.csv' : 'comparison.csv';
  return {
    type,
    branches,
    archiveUnits,
    aggregateDir,
    comparisonPath: `aggregate/${comparisonName}`,
    comparisonExists: aggregateFiles.has(comparisonName),
    registries,
    jobManifests,
  };
}

/** The archive unit a sweep-relative file belongs to, or null (aggregate files, job manifests, sweep.log…). */
export function archiveUnitOf(layout: SweepLayout, path: string): ArchiveUnit | null {
  for (const unit of layout.archiveUnits) {
    for (const p of unit.paths) if (path.startsWith(`${p}/`)) return unit;
  }
  return null;
}

/**
 * Empty, or only an empty aggregate/ and folders holding at most a job_manifest.json (bilancio makes the
 * `{job_id}` folder a moment before it writes the manifest into it).
 */
async function justStarted(sweepDir: string, root: Dirent[], aggregateFiles: Set<string>): Promise<boolean> {
  for (const d of root) {
    if (!d.isDirectory()) return false;
    if (d.name === 'aggregate') {
      if (aggregateFiles.size > 0) return false;
      continue;
    }
    const inside = await listDir(join(sweepDir, d.name), false);
    if (inside.some((e) => e.name !== JOB_MANIFEST)) return false;
  }
  return true;
}

async function listDir(dir: string, isSweepRoot: boolean): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (isSweepRoot && code === 'ENOENT') throw new SyncError('not-found', `${dir} does not exist`);
    if (isSweepRoot && code === 'ENOTDIR') {
      throw new SyncError('usage', `${dir} does not look like a bilancio sweep: it is a file, not a folder`);
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new SyncError('usage', `cannot read ${dir}: permission denied`, 'Check the folder permissions.');
    }
    throw e;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
