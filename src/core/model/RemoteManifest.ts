import type { SweepType } from '../../shared/states.js';
import type { FileEntry } from './types.js';

/** One object written for a revision. */
export interface ManifestObject {
  key: string;
  size: number;
  sha256: string;
  /** 'aggregate' = a file stored as-is; 'archive' = a tar.gz of a branch. */
  kind: 'aggregate' | 'archive';
  /** For an archive: the branch ('passive', 'control', … or 'runs' for a ring sweep root). */
  branch?: string;
  /** For an archive: the sweep-relative paths of the files inside it. For an aggregate: its one file. */
  files: string[];
}

/**
 * `{sweep}/manifest.json`, written last: the commit point of a sync. A revision is restorable exactly
 * when its manifest exists and every object it names has the size and sha256 it records.
 */
export interface RemoteManifest {
  format: 'bilancio-sync/manifest@1';
  sweep: string;
  sweepType: SweepType;
  revision: number;
  /**
   * Whether run data (branch archives) is part of this revision: synced with --full, or with the
   * include-run-data setting on. False: the revision holds the aggregates only, by choice — restore,
   * verify and list-sweeps treat the absent archives as not synced, not as missing. (Read as true when
   * absent; see manifestIO.readManifest.)
   */
  full: boolean;
  createdAt: string;
  syncedAt: string;
  sourceHost: string;
  sourcePath: string;
  toolVersion: string;
  files: FileEntry[];
  objects: ManifestObject[];
  /** Figures kept to notice a lossy bilancio resume: rows of aggregate/comparison.csv (or results.csv). */
  stats: { comparisonRows: number | null; registryRows: number; totalBytes: number };
  warnings: string[];
}
