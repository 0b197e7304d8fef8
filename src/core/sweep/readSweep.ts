import { basename, resolve } from 'node:path';
import { SyncError } from '../errors.js';
import type { FileEntry } from '../types.js';
import { readAggregates, type SweepAggregates } from './aggregates.js';
import {
  assessCompletion,
  type CompletionOptions,
  DEFAULT_SETTLE_MS,
  lastModified,
  type SweepCompletion,
} from './completion.js';
import { detectLayout, type SweepLayout } from './layout.js';
import { buildFileManifest, type ManifestOptions } from './manifest.js';

/** Everything a sync needs to know about one sweep folder, read at one moment. */
export interface SweepSnapshot {
  /** Absolute path of the sweep folder. */
  dir: string;
  /** Folder name, which is the sweep's name (out/experiments/{name}). */
  name: string;
  layout: SweepLayout;
  completion: SweepCompletion;
  aggregates: SweepAggregates;
  /** Every file, sorted by path; [] when called with `files: false`. */
  files: FileEntry[];
}

export interface ReadSweepOptions extends CompletionOptions, ManifestOptions {
  /** Skip the file manifest (cheap status read, e.g. for the watcher or a browser view). Default true. */
  files?: boolean;
}

/**
 * Read a sweep: layout, completion, aggregates and (by default) the file manifest.
 *
 * Works for a sweep in any state (the snapshot says which); but when an aggregate file is cut off
 * mid-write it throws SyncError('not-ready') rather than return a prefix. If the sweep was judged
 * complete and then something it watches is written while the files are read, it throws
 * SyncError('conflict'): the snapshot would describe no single moment.
 */
export async function readSweep(sweepDir: string, opts: ReadSweepOptions = {}): Promise<SweepSnapshot> {
  const dir = resolve(sweepDir);
  const layout = await detectLayout(dir);
  const now = opts.now ?? Date.now();
  const completion = await assessCompletion(dir, layout, { ...opts, now });
  const aggregates = await readAggregates(dir, layout);
  const files =
    opts.files === false
      ? []
      : await buildFileManifest(dir, {
          cache: opts.cache,
          concurrency: opts.concurrency,
          onProgress: opts.onProgress,
          onSkip: opts.onSkip,
        });
  if (completion.state === 'complete') {
    await confirmStillQuiet(dir, layout, completion, files, opts.settleMs ?? DEFAULT_SETTLE_MS, now);
  }
  return { dir, name: basename(dir), layout, completion, aggregates, files };
}

/**
 * The completion check looks at a few cheap places only; once every file has been stat'ed, make sure no
 * run file was written within the settle window and nothing moved while the sweep was read. Throws
 * SyncError('conflict') otherwise: what was read describes no single, finished moment.
 */
export async function confirmStillQuiet(
  dir: string,
  layout: SweepLayout,
  completion: SweepCompletion,
  files: readonly FileEntry[],
  settleMs: number,
  now: number,
): Promise<void> {
  const after = await lastModified(dir, layout);
  const newest = files.reduce((m, f) => Math.max(m, f.mtimeMs), after);
  if (after !== completion.lastModifiedMs || now - newest < settleMs) {
    throw new SyncError(
      'conflict',
      `${basename(dir)} changed while it was being read, although it looked finished`,
      'Bilancio may have resumed this sweep; wait until it is quiet again.',
    );
  }
}

/** Class form of readSweep, for callers that keep a hash cache per sweep between reads. */
export class SweepReader {
  readonly dir: string;
  readonly cache = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  read(opts: Omit<ReadSweepOptions, 'cache'> = {}): Promise<SweepSnapshot> {
    return readSweep(this.dir, { ...opts, cache: this.cache });
  }
}
