import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { lstat, mkdir, rm, utimes } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RestoreSelection } from '../../shared/commands.js';
import type { EngineEventListener } from '../../shared/events.js';
import { ExtractWorkers, extractArchiveInWorker } from '../archive/extractInWorker.js';
import { existingPaths, moveIntoPlace } from '../archive/moveIntoPlace.js';
import { defaultIsRetryable, withRetry } from '../async/retry.js';
import { runPool } from '../async/runPool.js';
import { ProgressMeter } from '../engine/ProgressMeter.js';
import { RevisionKeeper } from '../engine/RevisionKeeper.js';
import { SyncError, toSyncError } from '../model/errors.js';
import {
  findOsError,
  fromOsError,
  isOutOfFileDescriptors,
  osErrorCode,
  refusedFolder,
} from '../model/osErrors.js';
import type { ManifestObject, RemoteManifest } from '../model/RemoteManifest.js';
import type { FileEntry } from '../model/types.js';
import type { ObjectStore } from '../stores/ObjectStore.js';
import { OpenFilesGate, removeTree, withinOpenFiles } from './openFiles.js';
import { removeStaleStaging, stagingFolderName } from './stagingFolder.js';

/** Progress events of a restore are at least this far apart (as a sync's), but one ends each object. */
export const PROGRESS_EVERY_MS = 100;

export interface RestoreOptions {
  revision?: number;
  overwrite?: boolean;
  signal?: AbortSignal;
  onEvent?: EngineEventListener;
  concurrency?: number;
  /** What to restore: everything (default), the aggregates only (every loose file), or chosen branches
   *  (their archives only). */
  select?: RestoreSelection;
}

export interface RestoreResult {
  sweep: string;
  revision: number;
  outputPath: string;
  files: number;
  bytes: number;
  full: boolean;
  warnings: string[];
}

/**
 * Restores a synced revision into `outputPath`, recreating the sweep's original layout. Every object is
 * streamed straight into a staging folder inside `outputPath` (no temp archive), every file's sha256
 * is checked against the manifest, and only when everything is verified are the files moved into place.
 * A failure at any point leaves `outputPath` as it was.
 */
export async function restoreSweep(
  store: ObjectStore,
  sweep: string,
  outputPath: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  // A worker starts while the manifest is read, the others once it tells how many archives there are;
  // none ahead for the aggregates alone, which are loose files.
  const workers = new ExtractWorkers();
  if (options.select?.kind !== 'aggregates') workers.prestart(1);
  try {
    return await restoreWith(workers, store, sweep, outputPath, options);
  } finally {
    await workers.close();
  }
}

async function restoreWith(
  workers: ExtractWorkers,
  store: ObjectStore,
  sweep: string,
  outputPath: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const emit = options.onEvent ?? (() => {});
  const manifest = await findRevision(store, sweep, options.revision);
  const chosen = selectObjects(manifest, options.select ?? { kind: 'all' });
  const archives = chosen.filter((o) => o.kind === 'archive').length;
  workers.prestart(Math.min(archives, options.concurrency ?? 4));
  const chosenFiles = new Set(chosen.flatMap((o) => o.files));
  const files = manifest.files.filter((f) => chosenFiles.has(f.path));
  const target = resolve(outputPath);
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  // Every file-system failure of a restore is worded about the target (the folder the user named).
  // Before the staging folder exists any errno counts (a file where the target should be); after, only
  // the machine's (space, permissions): an EEXIST inside our own staging folder is the archive's doing.
  const osError = (e: unknown, need?: number, environmentOnly = false) => {
    const os = findOsError(e, environmentOnly);
    if (!os) return toSyncError(e);
    // Refused permission: the folder that refused it (a parent of root's, a sub-folder of another user's).
    const denied = ['EACCES', 'EPERM', 'EROFS'].includes(os.code ?? '');
    const path = denied ? refusedFolder(os, target) : target;
    return fromOsError(os, { path, doing: `restoring ${sweep} into ${target}`, role: 'argument', need });
  };
  // mkdir returns the first folder it had to create: on failure that one goes again ("as it was").
  const created = await makeFolder(target).catch((e: unknown) => {
    throw osError(e, bytesTotal);
  });
  const undoCreate = async () => {
    if (created) await removeTree(created);
  };
  // A restore killed before its clean-up (SIGKILL, power loss) left its staging folder here: it goes first.
  // Such a restore may have been moving files into place: the files it placed, exactly the manifest's
  // bytes, are then no conflict (the re-run finishes its job); any other file there is refused as always.
  const resumingKilled = (await removeStaleStaging(target)) > 0;
  const replaceIdentical = options.overwrite
    ? false
    : await refuseExisting(target, files, resumingKilled).catch(async (e) => {
        await undoCreate();
        throw osError(e, bytesTotal);
      });

  const staging = join(target, stagingFolderName());
  await mkdir(staging).catch(async (e: unknown) => {
    await undoCreate();
    throw osError(e, bytesTotal);
  });
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  const meter = new ProgressMeter(bytesTotal);
  // Progress as the bytes are written (file bytes; an archive's as they come out of it), at most one
  // event per PROGRESS_EVERY_MS; an object's end is its own event (object-done), and the last progress
  // says every byte is there.
  let lastEmit = 0;
  const report = (o: ManifestObject | null, objectDone: number, objectTotal: number) => {
    const now = Date.now();
    if (o && now - lastEmit < PROGRESS_EVERY_MS) return;
    lastEmit = now;
    emit({
      type: 'progress',
      sweep,
      phase: 'downloading',
      ...(o ? { key: o.key, object: { key: o.key, bytesDone: objectDone, bytesTotal: objectTotal } } : {}),
      bytesDone: meter.bytesDone,
      bytesTotal,
      bytesPerSecond: meter.bytesPerSecond,
      etaSeconds: meter.etaSeconds,
    });
  };
  try {
    // Objects are independent: a few at once keeps the threadpool busy while one waits on the network.
    // Largest first, so the archives don't queue behind small loose files.
    const objects = [...chosen].sort((a, b) => b.size - a.size);
    // A single archive (a ring sweep's runs.tar.gz, one chosen branch) has one worker: this thread, idle
    // otherwise, writes its files while the worker un-gzips and verifies (extractInWorker.ts).
    const oneArchive = archives === 1;
    // Under a low limit of open files fewer objects go at once (openFiles.ts), not the restore down.
    const gate = new OpenFilesGate(options.concurrency ?? 4);
    await runPool(objects, options.concurrency ?? 4, async (o) => {
      const expected = o.files.map((p) => byPath.get(p)).filter((f): f is FileEntry => f !== undefined);
      if (expected.length !== o.files.length) {
        throw new SyncError(
          'integrity',
          `The manifest of ${sweep} revision ${manifest.revision} lists ${o.key} with files it doesn't describe.`,
          'The manifest is damaged; try another revision.',
        );
      }
      const objectTotal = expected.reduce((n, f) => n + f.size, 0);
      // Credited so far for this object: a retry starts from 0 again and credits nothing until it passes
      // what the failed attempt had reached (the figures never go backwards).
      let credited = 0;
      // A dropped connection mid-object is retried from the start of that object (what it had written
      // to staging is removed first); damaged bytes are not retried: they would be damaged again. Running
      // out of file descriptors is not retried here but by the gate, with fewer objects at once.
      await withinOpenFiles(gate, () =>
        withRetry(
          () => {
            let got = 0;
            const how = { signal: options.signal, oneArchive, workers };
            return restoreObject(store, o, expected, staging, how, (n) => {
              got += n;
              if (got <= credited) return;
              meter.advance(Math.min(got, objectTotal) - credited);
              credited = Math.min(got, objectTotal);
              report(o, credited, objectTotal);
            });
          },
          {
            signal: options.signal,
            isRetryable: (e) => !isOutOfFileDescriptors(e) && defaultIsRetryable(e),
          },
        ),
      );
      meter.advance(objectTotal - credited);
      credited = objectTotal;
      emit({ type: 'object-done', sweep, key: o.key, size: o.size, skipped: false });
    });
    report(null, bytesTotal, bytesTotal);
    await moveIntoPlace(
      staging,
      target,
      files.map((f) => f.path),
      { overwrite: (options.overwrite ?? false) || replaceIdentical },
    );
  } catch (e) {
    await removeTree(staging);
    await undoCreate();
    // After the clean-up, so a full disk's free space is counted without our staging folder. A cancel
    // stays a cancel (the extractor's own error), whatever the file system said meanwhile.
    if (options.signal?.aborted) throw toSyncError(e);
    throw osError(e, bytesTotal, true);
  } finally {
    await removeTree(staging);
  }
  const warnings = manifest.full
    ? []
    : [`Revision ${manifest.revision} of ${sweep} holds aggregates only: its run data was never synced.`];
  for (const message of warnings) emit({ type: 'warning', sweep, message });
  return {
    sweep,
    revision: manifest.revision,
    outputPath: target,
    files: files.length,
    bytes: bytesTotal,
    full: manifest.full,
    warnings,
  };
}

/**
 * mkdir -p that reports the real reason: Node's recursive mkdir answers ENOENT where the file system said
 * EROFS (or EACCES), so on ENOENT the first missing folder is made plainly once, which throws the real code.
 */
async function makeFolder(dir: string): Promise<string | undefined> {
  try {
    return await mkdir(dir, { recursive: true });
  } catch (e) {
    if (osErrorCode(e) !== 'ENOENT') throw e;
    let first = dir;
    while (dirname(first) !== first && !existsSync(dirname(first))) first = dirname(first);
    await mkdir(first);
    await rm(first, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
}

/** The objects a selection takes; a branch the revision doesn't hold is a usage error naming what it has. */
function selectObjects(manifest: RemoteManifest, select: RestoreSelection): ManifestObject[] {
  if (select.kind === 'all') return manifest.objects;
  if (select.kind === 'aggregates') return manifest.objects.filter((o) => o.kind === 'aggregate');
  const held = manifest.objects.flatMap((o) => (o.kind === 'archive' && o.branch ? [o.branch] : []));
  const missing = select.branches.filter((b) => !held.includes(b));
  if (missing.length > 0) {
    throw new SyncError(
      'usage',
      `Revision ${manifest.revision} of ${manifest.sweep} has no run data for ${missing.join(', ')}.`,
      { text: held.length ? `Its branches are: ${held.join(', ')}.` : 'It holds no run data at all.' },
      { code: 'branch-not-found', field: 'what.branches' },
    );
  }
  return manifest.objects.filter(
    (o) => o.kind === 'archive' && o.branch && select.branches.includes(o.branch),
  );
}

/** The manifest of the requested revision (latest when none), or a not-found error listing what exists. */
export async function findRevision(
  store: ObjectStore,
  sweep: string,
  revision?: number,
): Promise<RemoteManifest> {
  const keeper = new RevisionKeeper(store, sweep);
  let manifest: RemoteManifest | null;
  if (revision === undefined) {
    const latest = await keeper.latest();
    if (!latest) {
      // The objects are there but the commit point is gone: say so, not "no such sweep". (Asked only
      // once manifest.json is found absent: a round trip less before every restore.)
      const missing = await keeper.missingManifest();
      if (missing) throw manifestMissingError(store, sweep, missing);
    }
    manifest = await keeper.currentFrom(latest);
  } else manifest = await keeper.revision(revision);
  if (manifest) return manifest;
  const all = await keeper.all();
  if (all.length === 0) {
    throw new SyncError(
      'not-found',
      `There is no synced sweep named "${sweep}" in ${store.description}.`,
      { text: 'Look at the list of synced sweeps for the right name.', action: { kind: 'list-sweeps' } },
      { code: 'sweep-not-found' },
    );
  }
  throw new SyncError(
    'not-found',
    `${sweep} has no revision ${revision}; kept revisions: ${all.map((m) => m.revision).join(', ')}.`,
    {
      text: 'Choose one of those revisions.',
      action: { kind: 'choose-revision', sweep, revisions: all.map((m) => m.revision) },
    },
    { code: 'revision-not-found' },
  );
}

function manifestMissingError(
  store: ObjectStore,
  sweep: string,
  missing: { objects: number; sample: string[]; kept: number[] },
): SyncError {
  const kept =
    missing.kept.length > 0
      ? `earlier revisions kept in ${sweep}/.revisions/: ${missing.kept.join(', ')}`
      : 'no earlier revision is kept';
  return new SyncError(
    'integrity',
    `The manifest of ${sweep} (${sweep}/manifest.json) is missing in ${store.description}: ` +
      `${missing.objects} object(s) of the sweep are there (e.g. ${missing.sample.join(', ')}), ${kept}. ` +
      'Without the manifest the latest revision cannot be restored or verified.',
    missing.kept.length > 0
      ? {
          text:
            'Sync the sweep again from its local folder (bilancio-sync sync <folder>) to write a new manifest, ' +
            `or restore an earlier revision with --revision ${missing.kept.at(-1)}.`,
        }
      : {
          text: 'Sync the sweep again from its local folder (bilancio-sync sync <folder>) to write a new manifest.',
        },
    { code: 'manifest-missing' },
  );
}

/**
 * Refuses a target that holds files of the sweep. With `allowIdentical`, files with exactly the manifest's
 * bytes are allowed; returns true when some are there (the move then replaces them).
 */
async function refuseExisting(target: string, files: FileEntry[], allowIdentical: boolean): Promise<boolean> {
  // Walks the tree, not every file: a folder the target lacks holds none of them (one lstat).
  const found = await existingPaths(
    target,
    files.map((f) => f.path),
  );
  if (found.length === 0) return false;
  const byPath = new Map(files.map((f) => [f.path, f]));
  const existing: string[] = [];
  for (const path of found) {
    if (!allowIdentical || !(await sameBytes(join(target, path), byPath.get(path)!))) existing.push(path);
  }
  if (existing.length > 0) {
    throw new SyncError(
      'conflict',
      `${existing.length} file(s) of the sweep already exist in ${target} (e.g. ${existing.sort()[0]}); nothing was written.`,
      {
        text: 'Choose an empty folder, or allow replacing the files there.',
        action: { kind: 'choose-empty-folder', overwriteAllowed: true },
      },
      { code: 'target-not-empty' },
    );
  }
  return true;
}

/** Whether the file at `path` is a regular file with the entry's size and sha256. */
async function sameBytes(path: string, entry: FileEntry): Promise<boolean> {
  const info = await lstat(path).catch(() => null);
  if (!info?.isFile() || info.size !== entry.size) return false;
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex') === entry.sha256;
}

/** Streams one object into staging, verified; a failure of the download itself is 'transient'.
 *  `onBytes` hears the file bytes as they are written (an archive's as they come out of it). */
async function restoreObject(
  store: ObjectStore,
  o: ManifestObject,
  expected: FileEntry[],
  staging: string,
  how: { signal: AbortSignal | undefined; oneArchive: boolean; workers: ExtractWorkers },
  onBytes: (n: number) => void,
): Promise<void> {
  const { signal } = how;
  signal?.throwIfAborted();
  const body = await store.get(o.key, { signal });
  let downloadError: Error | null = null;
  const counted = countBytes(body, o, (e) => {
    downloadError = e;
  });
  try {
    if (o.kind === 'archive') {
      await extractArchiveInWorker(counted, staging, expected, {
        signal,
        onBytes,
        writeSmallFilesHere: how.oneArchive,
        workers: how.workers,
      });
    } else await writeVerified(counted, staging, expected[0]!, signal, onBytes);
  } catch (e) {
    if (downloadError && !signal?.aborted) {
      throw new SyncError(
        'transient',
        `Lost the download of ${o.key} from ${store.description}: ${(downloadError as Error).message}`,
        'Run the download again; nothing was written to the target folder.',
        { cause: e },
      );
    }
    throw e;
  } finally {
    // A failed object's body would stay open (piping stops at the destroyed counter, not at its source):
    // one descriptor — a socket, a store file — lost per failure, which a restore short of descriptors
    // (openFiles.ts) can't afford. After a complete read this is a no-op.
    body.destroy();
  }
}

/** Counts what arrives for an object so a short or long body is caught even before hashing. */
function countBytes(body: Readable, o: ManifestObject, onBodyError: (e: Error) => void): Transform {
  let n = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      cb(
        n === o.size
          ? null
          : new SyncError(
              'integrity',
              `${o.key} is ${n} bytes in the store; the manifest says ${o.size}.`,
              'The object was damaged or replaced; try another revision or sync the sweep again.',
            ),
      );
    },
  });
  body.on('error', (err) => {
    onBodyError(err);
    t.destroy(err);
  });
  // The consumer (extraction, the verified write) hears an error of `t` while it reads. Once it has
  // stopped — it failed, or the restore was cancelled — the body's late error (the abort reaching the
  // store's stream) still comes through `t` with nobody left to listen, and an 'error' event without a
  // listener would end the process (exit 1 instead of the interrupted download's 143).
  t.on('error', () => {});
  body.pipe(t);
  return t;
}

async function writeVerified(
  body: Transform,
  staging: string,
  file: FileEntry,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<void> {
  const dest = join(staging, file.path);
  await mkdir(dirname(dest), { recursive: true });
  const hash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(body, hasher, createWriteStream(dest, { flags: 'wx' }), { signal });
  } catch (e) {
    await rm(dest, { force: true });
    throw e;
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== file.sha256) {
    throw new SyncError(
      'integrity',
      `${file.path} restored with sha256 ${sha256.slice(0, 12)}…, the manifest says ${file.sha256.slice(0, 12)}….`,
      'The stored object is damaged; try another revision.',
    );
  }
  const seconds = file.mtimeMs / 1000;
  await utimes(dest, seconds, seconds);
}
