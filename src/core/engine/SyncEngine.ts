import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Hint } from '../../shared/errors.js';
import type { EngineEventListener } from '../../shared/events.js';
import type { SweepType } from '../../shared/states.js';
import { createArchive } from '../archive/ArchiveWriter.js';
import { archiveSizeBound } from '../archive/archiveSizeBound.js';
import { runPool } from '../async/runPool.js';
import type { Journal } from '../journal/Journal.js';
import type { CachedFile } from '../journal/types.js';
import { isSyncError, SyncError, toSyncError } from '../model/errors.js';
import type { ManifestObject, RemoteManifest } from '../model/RemoteManifest.js';
import type { FileEntry } from '../model/types.js';
import type { Catalog } from '../stores/Catalog.js';
import type { ObjectStore } from '../stores/ObjectStore.js';
import {
  countComparisonRows,
  countRegistryRows,
  readAggregates,
  type SweepAggregates,
} from '../sweep/aggregates.js';
import { assessCompletion, type SweepCompletion } from '../sweep/completion.js';
import { confirmStillQuiet } from '../sweep/confirmStillQuiet.js';
import type { SweepLayout } from '../sweep/layout.js';
import { buildFileManifest } from '../sweep/manifest.js';
import { ParsedCsvFiles } from '../sweep/parsedCsvFiles.js';
import type { SweepTreePrefetch } from '../sweep/prefetchSweepTree.js';
import type { SweepTree } from '../sweep/sweepTree.js';
import { buildCatalogRows, buildCatalogWrite, catalogWriteEnd } from './catalogWrite.js';
import { identifySweep } from './identifySweep.js';
import { MANIFEST_FORMAT } from './manifestIO.js';
import { ProgressMeter } from './ProgressMeter.js';
import { hashesToDefer, type PlannedObject, planSync, type SyncPlan } from './planSync.js';
import {
  cleanCatalogPayload,
  everyProblem,
  type ListedFile,
  listSweepFiles,
  type PreflightProblem,
  preflightError,
} from './preflight.js';
import { RevisionKeeper } from './RevisionKeeper.js';
import { acquireSweepLock, type SweepLock } from './sweepLock.js';
import { TOOL_VERSION } from './version.js';

export interface SyncEngineDeps {
  store: ObjectStore;
  catalog: Catalog;
  /** The file-hash cache, which the sync keeps, and the manifest recorded last for the folder, read
   *  only (a no-op re-sync knows the store's copy as one checked before: readManifest's `recorded`). What
   *  the sync means for the sweep's state is the caller's to record (src/core/watch/syncRecorded.ts). */
  journal: Pick<Journal, 'fileCache' | 'recordedManifest'>;
  owner: string;
  sourceHost: string;
  compressionLevel: number;
  /** Archives built and uploaded at once (branches in parallel). */
  archiveConcurrency: number;
  settleMs: number;
  /** The data folder: per-sweep-name locks (sweepLock.ts) serialise syncs of one name across processes. */
  lockDir?: string;
}

export interface SyncOptions {
  name?: string;
  type?: SweepType;
  full?: boolean;
  dryRun?: boolean;
  /** Sync a crashed (incomplete) or failed sweep as it stands. */
  allowIncomplete?: boolean;
  /** If the sweep only needs to settle (finished, written moments ago), wait for it instead of refusing. */
  waitForSettle?: boolean;
  signal?: AbortSignal;
  onEvent?: EngineEventListener;
  /** The sweep folder walked already, on a worker thread (prefetchSweepTree.ts): used if fresh. */
  prefetched?: SweepTreePrefetch;
}

/**
 * How old a prefetched walk may be when the sync takes it. The listing must be the sweep as it was just
 * before the completion check (see syncSweep): a walk begun moments before the sync started (the engine
 * loading meanwhile) is that, well inside the settle window; one that waited behind other jobs is not.
 */
const PREFETCH_MAX_AGE_MS = 2000;

/** The sweep isn't finished; `sweepState` is what the journal shows for it meanwhile. */
export class SweepNotReadyError extends SyncError {
  constructor(
    readonly sweepState: 'running' | 'incomplete',
    message: string,
    hint: Hint,
  ) {
    super('not-ready', message, hint, { code: `sweep-${sweepState}` });
  }
}

/** The name's lock while a sync holds it (set and cleared by prepareRevision, released by syncSweep). */
interface HeldLock {
  lock: SweepLock | null;
}

interface SyncContext {
  path: string;
  name: string;
  sweepType: SweepType;
  aggregates: SweepAggregates;
  files: FileEntry[];
  keeper: RevisionKeeper;
  remote: RemoteManifest | null;
  plan: SyncPlan;
  /** What the catalog holds differently from the files (torn rows left out, NULs dropped, …). */
  payloadWarnings: string[];
}

export interface SyncResult {
  sweep: string;
  path: string;
  result: 'synced' | 'noop' | 'dry-run';
  revision: number;
  full: boolean;
  bytesUploaded: number;
  objectsUploaded: number;
  objectsReused: number;
  warnings: string[];
  durationMs: number;
  /** What was (or, for a dry run, would be) written. */
  objects: Array<{ key: string; action: 'upload' | 'reuse'; sourceBytes: number }>;
}

/** A sync's result plus what the recorder needs to journal it (src/core/watch/syncRecorded.ts). */
export interface SyncOutcome extends SyncResult {
  /** The manifest now committed in the store (the new one, or for a noop the one found), null for a dry run. */
  manifest: RemoteManifest | null;
  /** Multipart uploads an interrupted earlier sync left open, cancelled by this one. */
  uploadsCleaned: number;
}

/**
 * Syncs one sweep folder: aggregates to the catalog, files and branch archives to the object store,
 * `manifest.json` last as the commit point. Idempotent: a second sync of an unchanged sweep uploads
 * nothing; a changed sweep becomes a new revision and earlier revisions stay restorable.
 *
 * It returns an outcome or throws a SyncError and journals nothing about the sweep (state, attempts,
 * revisions, events): that is the recorder's (src/core/watch/syncRecorded.ts). It keeps the file-hash
 * cache, except in a dry run, which changes nothing anywhere.
 */
export class SyncEngine {
  constructor(private readonly deps: SyncEngineDeps) {}

  async syncSweep(sweepPath: string, options: SyncOptions = {}): Promise<SyncOutcome> {
    const started = Date.now();
    const emit = options.onEvent ?? (() => {});
    const identity = await identifySweep(sweepPath, options);
    const held: HeldLock = { lock: null };
    try {
      const prepared = await this.prepareRevision(identity, options, started, held);
      if ('outcome' in prepared) return prepared.outcome;
      if (options.dryRun) return this.describePlan(prepared.context, started);
      return await this.writeRevision(prepared.context, options, started);
    } catch (e) {
      const err = toSyncError(e);
      emit({ type: 'sync-failed', sweep: identity.name, message: err.message, category: err.category });
      throw err;
    } finally {
      held.lock?.release();
    }
  }

  /**
   * Everything up to the plan: the preflight, the no-op answer, the completion check, the catalog
   * payload, the committed revision and the file manifest. A method of its own so that what only this
   * part needs — the preflight's listing and the journal's hash cache, 120,000 entries each for the 10x
   * sweep — is garbage once the plan is made, not held by the sync's frame through every upload.
   * `held.lock` is the name's lock while held (syncSweep releases it).
   */
  private async prepareRevision(
    identity: Awaited<ReturnType<typeof identifySweep>>,
    options: SyncOptions,
    started: number,
    held: HeldLock,
  ): Promise<{ outcome: SyncOutcome } | { context: SyncContext }> {
    const { path, name, sweepType, layout } = identity;
    const { fileCache } = this.deps.journal;
    const emit = options.onEvent ?? (() => {});
    // What the journal knows of each file: its sha256, and the size and mtime it had when read whole.
    const cache = fileCache.get(path);
    // Preflight, before anything is uploaded: every name, link and readability problem at once (see
    // preflight.ts), with the catalog payload's problems if readable. Files the cache knows unchanged
    // are not opened again; the others are opened in batches between the completion check's and the
    // payload's reads, and `refuseIfAny` waits for the last before the first upload.
    const check = listSweepFiles(path, name, cache, prefetchedTree(options.prefetched, path));
    const refuseIfAny = async (): Promise<void> => {
      const problems = await everyProblem(check);
      if (problems.length === 0) return;
      throw preflightError(name, [...problems, ...(await payloadProblems(path, layout))]);
    };
    if (check.problems.length > 0) await refuseIfAny();
    // Already synced? Every file as the cache knows it, and those files exactly the committed
    // revision's: a no-op, answered before the completion check and without parsing the sweep.
    const known = options.dryRun ? null : knownFiles(check.files, cache);
    if (known) {
      await refuseIfAny();
      held.lock = await this.lockName(name, options, emit);
      const noop = await this.alreadySynced(
        { path, name, sweepType, layout, known, cache },
        options,
        started,
      );
      if (noop) return { outcome: noop };
      // The completion check may wait for the sweep to settle: the name is not held meanwhile.
      held.lock.release();
      held.lock = null;
    }
    // The completion check parses the registries and comparison.csv; the payload takes those tables.
    const parsedCsv = new ParsedCsvFiles();
    const finished = await this.ensureFinished(path, name, layout, options, parsedCsv).catch(
      async (e: unknown) => {
        await refuseIfAny(); // an unreadable file is reported first, as when it was checked first
        throw e;
      },
    );
    // One sync of a name at a time from reading the remote revision to committing the next one.
    if (!options.dryRun) held.lock = await this.lockName(name, options, emit);
    const keeper = this.revisionKeeper(name, path);
    // Fetched while the aggregates are parsed (a round trip to the store).
    const remoteRead = keeper.current();
    remoteRead.catch(() => {}); // awaited below; not an unhandled rejection if readAggregates throws
    // A sweep that can't change any more, synced as it stands: a torn aggregate file is damage, not
    // "still being written" (its complete rows are catalogued, the rest reported; files stored as-is).
    const asItStands =
      options.allowIncomplete === true &&
      (finished.completion.state === 'incomplete' ||
        (finished.completion.state === 'failed' &&
          finished.at - finished.completion.lastModifiedMs >= this.deps.settleMs));
    const { aggregates, warnings: payloadWarnings } = await this.catalogPayload(
      path,
      name,
      layout,
      asItStands,
      parsedCsv,
    ).catch(async (e: unknown) => {
      await refuseIfAny(); // every file problem with the payload's, as before
      throw e;
    });
    await refuseIfAny();
    const remote = await remoteRead;
    // Hash each file at most once: files of an archive that must be written anyway are hashed by the
    // archive writer as it reads them (see hashesToDefer); `writeObjects` fills their sha256 in.
    // Besides the journal's cache, a file whose path, size and mtimeMs equal those recorded in the
    // last revision's manifest is taken to hold the content recorded there (the "quick check" of rsync
    // and restic; the journal cache relies on the same rule) — but only for a manifest this host wrote
    // from this very folder, so that a copied or moved folder is hashed afresh.
    const fromRemote =
      remote && remote.sourcePath === path && remote.sourceHost === this.deps.sourceHost
        ? new Map(remote.files.map((f) => [f.path, f]))
        : undefined;
    // The preflight's listing is the sweep as it was just before the completion check found it finished
    // (and quiet for the settle window, so quiet at the listing too): what a sync then would have read.
    // A file added since belongs to a resume begun after that moment, for the next sync. Only after a
    // wait for the sweep to settle is the listing older than a change, and the folder is walked again.
    const files = await buildFileManifest(path, {
      listed: finished.waited ? undefined : check.files,
      cache: new Map(cache), // it adds what it hashes; `cache` stays what the journal holds
      alsoKnown: fromRemote,
      deferHash: (listed) => hashesToDefer(name, listed, layout.archiveUnits, remote, options.full ?? false),
    });
    if (!options.dryRun && !sameAsCache(files, cache)) fileCache.replace(path, hashed(files));
    if (finished.completion.state === 'complete') {
      await confirmStillQuiet(path, layout, finished.completion, files, this.deps.settleMs, finished.at);
    }
    const plan = planSync(name, files, layout.archiveUnits, remote, options.full ?? false);
    return { context: { path, name, sweepType, aggregates, files, keeper, remote, plan, payloadWarnings } };
  }

  /**
   * The name's revisions, with the journal's recorded manifest of the folder read when needed. Made here,
   * not in prepareRevision: a closure keeps its whole scope's captured variables alive, and the keeper
   * lives through the uploads, so one made there kept the preflight's listing with it.
   */
  private revisionKeeper(name: string, path: string): RevisionKeeper {
    return new RevisionKeeper(this.deps.store, name, () => this.deps.journal.recordedManifest(path));
  }

  /** One sync of a name at a time (across processes): see sweepLock.ts. */
  private lockName(name: string, options: SyncOptions, emit: EngineEventListener): Promise<SweepLock> {
    return acquireSweepLock(name, {
      dir: this.deps.lockDir,
      signal: options.signal,
      onWait: (message) => emit({ type: 'warning', sweep: name, message }),
    });
  }

  /** The aggregates as the catalog takes them (cleaned; refused if a cell can't be taken at all). */
  private async catalogPayload(
    path: string,
    name: string,
    layout: SweepLayout,
    asItStands: boolean,
    parsedCsv?: ParsedCsvFiles,
  ): Promise<{ aggregates: SweepAggregates; warnings: string[] }> {
    const read = await readAggregates(path, layout, { asItStands, parsedCsv });
    const cleaned = cleanCatalogPayload(read);
    if (cleaned.problems.length > 0) throw preflightError(name, cleaned.problems);
    return { aggregates: cleaned.aggregates, warnings: [...(read.warnings ?? []), ...cleaned.warnings] };
  }

  /**
   * The no-op re-sync, or null when this is not one. `known` (every file listed, each as the hash cache
   * knows it) holding exactly the committed revision's files — same paths, sizes and sha256 — the sweep is
   * synced already: nothing is uploaded, whatever bilancio's state of it. So this is answered before the
   * completion check, as watch mode's unchanged check does, and reads no aggregate file: the revision was
   * written from these very bytes (the sweep complete then, or synced as it stands on request), and they
   * are still those. The aggregates are read only where the answer needs them — the catalog lags behind
   * the store (repaired), or that revision's sync reported something about them or another version wrote
   * it (see quickNoop) — and then as they stand: whatever they hold, the revision holds it too.
   */
  private async alreadySynced(
    c: {
      path: string;
      name: string;
      sweepType: SweepType;
      layout: SweepLayout;
      known: FileEntry[];
      cache: ReadonlyMap<string, CachedFile>;
    },
    options: SyncOptions,
    started: number,
  ): Promise<SyncOutcome | null> {
    const { path, name, layout, known } = c;
    const emit = options.onEvent ?? (() => {});
    const remote = await new RevisionKeeper(this.deps.store, name).current(
      this.deps.journal.recordedManifest(path),
    );
    if (!remote) return null;
    const plan = planSync(name, known, layout.archiveUnits, remote, options.full ?? false);
    if (!plan.unchanged) return null;
    // The cache holds these files already; entries of files deleted since go.
    if (c.cache.size !== known.length) this.deps.journal.fileCache.replace(path, known);
    const payload = quickNoop(remote) ? null : await this.catalogPayload(path, name, layout, true);
    for (const message of payload?.warnings ?? []) emit({ type: 'warning', sweep: name, message });
    await this.repairCatalog(
      name,
      c.sweepType,
      async () => (payload ?? (await this.catalogPayload(path, name, layout, true))).aggregates,
      remote,
    );
    return this.noopOutcome({ path, name, plan, remote }, payload?.warnings ?? [], emit, started);
  }

  private describePlan(c: SyncContext, started: number): SyncOutcome {
    return {
      ...this.resultBase(c),
      result: 'dry-run',
      bytesUploaded: 0,
      objectsUploaded: 0,
      objectsReused: 0,
      durationMs: Date.now() - started,
      manifest: null,
      uploadsCleaned: 0,
    };
  }

  private resultBase(c: SyncContext) {
    return {
      sweep: c.name,
      path: c.path,
      revision: c.plan.revision,
      full: c.plan.full,
      warnings: [
        ...this.shrinkWarnings(c.name, c.remote, countComparisonRows(c.aggregates)),
        ...c.payloadWarnings,
      ],
      objects: objectsOf(c.plan),
    };
  }

  /** Nothing to upload: the outcome, and its sync-finished event. */
  private noopOutcome(
    c: { path: string; name: string; plan: SyncPlan; remote: RemoteManifest },
    warnings: string[],
    emit: EngineEventListener,
    started: number,
  ): SyncOutcome {
    const result: SyncOutcome = {
      sweep: c.name,
      path: c.path,
      revision: c.plan.revision,
      full: c.plan.full,
      warnings,
      objects: objectsOf(c.plan),
      result: 'noop',
      bytesUploaded: 0,
      objectsUploaded: 0,
      objectsReused: c.plan.objects.length,
      durationMs: Date.now() - started,
      manifest: c.remote,
      uploadsCleaned: 0,
    };
    emit({
      type: 'sync-finished',
      sweep: c.name,
      result: 'noop',
      revision: c.remote.revision,
      bytesUploaded: 0,
      objectsUploaded: 0,
      durationMs: result.durationMs,
    });
    return result;
  }

  private async writeRevision(c: SyncContext, options: SyncOptions, started: number): Promise<SyncOutcome> {
    const emit = options.onEvent ?? (() => {});
    const { path, name, sweepType, aggregates, files, keeper, remote, plan } = c;
    const base = this.resultBase(c);
    const { warnings } = base;
    for (const message of c.payloadWarnings) emit({ type: 'warning', sweep: name, message });
    // Shrink warnings: each offers the kept revision that still has every row.
    for (const message of warnings.filter((w) => !c.payloadWarnings.includes(w))) {
      emit({
        type: 'warning',
        sweep: name,
        message,
        hint: remote
          ? {
              text: 'Restore the earlier revision to get every row back.',
              action: { kind: 'restore-revision', sweep: name, revision: remote.revision },
            }
          : undefined,
      });
    }
    if (plan.unchanged && remote) {
      await this.repairCatalog(name, sweepType, async () => aggregates, remote);
      return this.noopOutcome({ path, name, plan, remote }, warnings, emit, started);
    }

    const bytesTotal = plan.objects.filter((o) => !o.reuse).reduce((n, o) => n + sourceBytes(o), 0);
    emit({ type: 'sync-started', sweep: name, path, revision: plan.revision, bytesTotal, full: plan.full });
    const createdAt = new Date(oldestMtime(files)).toISOString();
    const totalBytes = plan.files.reduce((n, f) => n + f.size, 0);
    // The catalog takes the rows while the objects upload (a server's share of the write then overlaps
    // the compression); they become visible only at `finish`, after checkUnmoved, as a whole write would.
    const catalogWrite = this.deps.catalog.beginSweepWrite(
      buildCatalogRows({
        name,
        owner: this.deps.owner,
        sweepType,
        aggregates,
        revision: plan.revision,
        createdAt,
        totalBytes,
        sourceHost: this.deps.sourceHost,
      }),
    );
    let uploaded: Awaited<ReturnType<SyncEngine['uploadObjects']>>;
    let manifest: RemoteManifest;
    try {
      uploaded = await this.uploadObjects(c, bytesTotal, warnings, options);
      manifest = {
        format: MANIFEST_FORMAT,
        sweep: name,
        sweepType,
        revision: plan.revision,
        full: plan.full,
        createdAt,
        syncedAt: new Date().toISOString(),
        sourceHost: this.deps.sourceHost,
        sourcePath: path,
        toolVersion: TOOL_VERSION,
        files: plan.files,
        objects: uploaded.written.objects,
        stats: {
          comparisonRows: countComparisonRows(aggregates),
          registryRows: countRegistryRows(aggregates),
          totalBytes,
        },
        warnings,
      };
      emit({ type: 'progress', sweep: name, phase: 'cataloguing', bytesDone: bytesTotal, bytesTotal });
      await keeper.checkUnmoved(remote, plan.revision, manifest.objects); // before the catalog shows its rows
      await catalogWrite.finish(catalogWriteEnd(manifest));
    } catch (e) {
      await catalogWrite.abandon();
      throw e;
    }
    const { written, uploadsCleaned } = uploaded;
    options.signal?.throwIfAborted();
    await keeper.commit(manifest, remote); // the commit point: refused if another sync committed meanwhile

    const durationMs = Date.now() - started;
    emit({
      type: 'sync-finished',
      sweep: name,
      result: 'synced',
      revision: plan.revision,
      bytesUploaded: written.bytesUploaded,
      objectsUploaded: written.uploaded,
      durationMs,
    });
    return {
      ...base,
      result: 'synced',
      bytesUploaded: written.bytesUploaded,
      objectsUploaded: written.uploaded,
      objectsReused: plan.objects.length - written.uploaded,
      durationMs,
      manifest,
      uploadsCleaned,
    };
  }

  /**
   * Every object of the plan not reused, uploaded (the revision's earlier objects preserved first), and
   * the hash cache given what archiving hashed. Multipart uploads an interrupted sync left are cancelled
   * first: their parts would cost storage forever. Safe: one sync of a sweep runs at a time.
   */
  private async uploadObjects(
    c: SyncContext,
    bytesTotal: number,
    warnings: string[],
    options: SyncOptions,
  ): Promise<{ written: Awaited<ReturnType<SyncEngine['writeObjects']>>; uploadsCleaned: number }> {
    const { path, name, files, keeper, remote, plan } = c;
    const emit = options.onEvent ?? (() => {});
    const uploadsCleaned = await this.deps.store.abortIncompleteUploads(`${name}/`);
    if (remote) {
      const replaced = new Map(
        plan.objects.filter((o) => !o.reuse).map((o) => [o.key, o.kind === 'aggregate' ? o.file.sha256 : '']),
      );
      warnings.push(...(await keeper.preserveBefore(remote, replaced)));
    }
    const meter = new ProgressMeter(bytesTotal);
    const report = (key: string, objectDone: number, objectTotal: number) =>
      emit({
        type: 'progress',
        sweep: name,
        phase: 'uploading',
        key,
        object: { key, bytesDone: objectDone, bytesTotal: objectTotal },
        bytesDone: meter.bytesDone,
        bytesTotal,
        bytesPerSecond: meter.bytesPerSecond,
        etaSeconds: meter.etaSeconds,
      });
    const written = await this.writeObjects(plan.objects, path, name, meter, report, options.signal, emit);
    if (plan.files.some((f) => f.sha256 === '')) {
      throw new SyncError('internal', `${name}: some files were neither hashed nor archived`);
    }
    if (written.hashedWhileArchiving) this.deps.journal.fileCache.replace(path, hashed(files));
    return { written, uploadsCleaned };
  }

  private async ensureFinished(
    path: string,
    name: string,
    layout: SweepLayout,
    options: SyncOptions,
    parsedCsv: ParsedCsvFiles,
  ): Promise<{ completion: SweepCompletion; at: number; waited: boolean }> {
    let waited = false;
    for (;;) {
      const at = Date.now();
      const c = await assessCompletion(path, layout, { settleMs: this.deps.settleMs, now: at, parsedCsv });
      if (c.state === 'complete') return { completion: c, at, waited };
      const settling = c.state === 'running' && c.terminalSignal !== null && c.runningRows === 0;
      if (settling && options.waitForSettle) {
        const waitMs = Math.max(200, c.lastModifiedMs + this.deps.settleMs - Date.now());
        await new Promise((r) => setTimeout(r, waitMs));
        waited = true;
        options.signal?.throwIfAborted();
        continue;
      }
      if ((c.state === 'incomplete' || c.state === 'failed') && options.allowIncomplete)
        return { completion: c, at, waited };
      const hint =
        c.state === 'running'
          ? {
              text: 'Wait until bilancio has finished writing it (watch mode syncs it by itself once it is done).',
            }
          : {
              text: 'If you want what it holds anyway, sync it as it stands.',
              action: { kind: 'sync-as-it-stands' as const, sweep: name },
            };
      const shownAs = c.state === 'running' ? 'running' : 'incomplete';
      throw new SweepNotReadyError(shownAs, `${name} is ${c.state}: ${c.reason}`, hint);
    }
  }

  /** Warn loudly when comparison.csv lost rows since the last revision (a lossy bilancio resume). */
  private shrinkWarnings(name: string, remote: RemoteManifest | null, rows: number | null): string[] {
    const before = remote?.stats.comparisonRows;
    if (!remote || before === null || before === undefined || rows === null || rows >= before) return [];
    return [
      `${name}: the comparison table shrank from ${before} to ${rows} rows since revision ${remote.revision} ` +
        '(a resumed bilancio sweep overwrites it with only the new pairs). ' +
        `Revision ${remote.revision} is kept and can be restored.`,
    ];
  }

  /**
   * The catalog must hold the revision the store holds (a sync may have died between the two). The
   * aggregates are asked for only when it doesn't.
   */
  private async repairCatalog(
    name: string,
    sweepType: SweepType,
    aggregates: () => Promise<SweepAggregates>,
    remote: RemoteManifest,
  ): Promise<void> {
    const row = await this.deps.catalog.getSweepListing(name, this.deps.owner);
    if (row && row.revision === remote.revision) return;
    await this.deps.catalog.writeSweep(
      buildCatalogWrite({
        name,
        owner: this.deps.owner,
        sweepType,
        aggregates: await aggregates(),
        manifest: remote,
      }),
    );
  }

  private async writeObjects(
    objects: PlannedObject[],
    root: string,
    sweep: string,
    meter: ProgressMeter,
    report: (key: string, objectDone: number, objectTotal: number) => void,
    signal: AbortSignal | undefined,
    emit: EngineEventListener,
  ): Promise<{
    objects: ManifestObject[];
    bytesUploaded: number;
    uploaded: number;
    hashedWhileArchiving: boolean;
  }> {
    const out: ManifestObject[] = new Array(objects.length);
    let hashedWhileArchiving = false;
    let bytesUploaded = 0;
    let uploaded = 0;
    // Observed compression ratio (source / gzip bytes), to turn archive bytes sent into source progress.
    let ratio = 3;
    const writeOne = async (i: number): Promise<void> => {
      const o = objects[i]!;
      signal?.throwIfAborted();
      if (o.reuse) {
        out[i] = o.reuse;
        emit({ type: 'object-done', sweep, key: o.key, size: o.reuse.size, skipped: true });
        return;
      }
      if (o.kind === 'aggregate') {
        let sent = 0;
        // A factory, not a stream: a store may restart the upload after a dropped connection.
        const info = await this.deps.store.put(o.key, () => createReadStream(join(root, o.file.path)), {
          sha256: o.file.sha256,
          size: o.file.size,
          contentType: contentTypeOf(o.file.path),
          signal,
          onProgress: (n) => {
            meter.advance(n - sent);
            sent = n;
            report(o.key, n, o.file.size);
          },
        });
        meter.advance(o.file.size - sent);
        out[i] = {
          key: o.key,
          size: info.size,
          sha256: info.sha256 ?? o.file.sha256,
          kind: 'aggregate',
          files: [o.file.path],
        };
        bytesUploaded += info.size;
      } else {
        const unitBytes = sourceBytes(o);
        let credited = 0;
        const archive = createArchive(root, o.files, { level: this.deps.compressionLevel, signal });
        const put = this.deps.store.put(o.key, archive.stream, {
          contentType: 'application/gzip',
          maxSize: archiveSizeBound(o.files),
          signal,
          onProgress: (n) => {
            const estimate = Math.min(unitBytes, Math.round(n * ratio));
            meter.advance(estimate - credited);
            credited = estimate;
            report(o.key, estimate, unitBytes);
          },
        });
        // Both must settle: a failed archive fails the upload, a failed upload must stop the archive.
        const [info, made] = await Promise.all([put, archive.done]).catch(async (e) => {
          archive.stream.destroy();
          await Promise.allSettled([put, archive.done]);
          throw e;
        });
        if (info.sha256 !== undefined && info.sha256 !== made.sha256) {
          throw new SyncError(
            'integrity',
            `${o.key}: the store holds other bytes than the archive written (sha256 differs).`,
            { text: 'Sync again; if it repeats, test the connection.', action: { kind: 'test-connection' } },
          );
        }
        // Files left unhashed by buildFileManifest get the hash of the bytes archived. The entries are
        // shared with the plan's file list (and the manifest written from it), so this fills them there.
        for (const f of o.files) {
          if (f.sha256 !== '') continue;
          f.sha256 = made.fileSha256.get(f.path) ?? '';
          hashedWhileArchiving = true;
        }
        ratio = made.size > 0 ? unitBytes / made.size : ratio;
        meter.advance(unitBytes - credited);
        out[i] = {
          key: o.key,
          size: made.size,
          sha256: made.sha256,
          kind: 'archive',
          branch: o.branch,
          files: o.files.map((f) => f.path),
        };
        bytesUploaded += made.size;
      }
      uploaded += 1;
      emit({ type: 'object-done', sweep, key: o.key, size: out[i]!.size, skipped: false });
    };

    // Loose files first (small, a few at a time), then archives in parallel up to the concurrency limit.
    const loose = objects.flatMap((o, i) => (o.kind === 'aggregate' ? [i] : []));
    const archives = objects.flatMap((o, i) => (o.kind === 'archive' ? [i] : []));
    await runPool(loose, 4, writeOne);
    await runPool(archives, this.deps.archiveConcurrency, writeOne);
    return { objects: out, bytesUploaded, uploaded, hashedWhileArchiving };
  }
}

/**
 * The catalog payload's problems of a sweep refused for its files, so that one error lists everything:
 * read as it stands, since whether the sweep is finished was not looked at yet. Best effort: a payload
 * that can't be read at all is reported as such.
 */
async function payloadProblems(path: string, layout: SweepLayout): Promise<PreflightProblem[]> {
  try {
    return cleanCatalogPayload(await readAggregates(path, layout, { asItStands: true })).problems;
  } catch (e) {
    // An unreadable file is listed already.
    if (typeof (e as NodeJS.ErrnoException).code === 'string' && !isSyncError(e)) return [];
    return [{ file: 'aggregate files', problem: `could not be checked: ${toSyncError(e).message}` }];
  }
}

/**
 * The files listed, each with the sha256 the cache holds for it — or null as soon as one is not as the
 * cache knows it (another size or mtime, or never hashed). Sorted by path, as buildFileManifest lists.
 */
function knownFiles(
  listed: readonly ListedFile[],
  cache: ReadonlyMap<string, CachedFile>,
): FileEntry[] | null {
  const out: FileEntry[] = new Array(listed.length);
  for (let i = 0; i < listed.length; i++) {
    const f = listed[i]!;
    const c = cache.get(f.path);
    if (c === undefined || c.size !== f.size || c.mtimeMs !== f.mtimeMs || c.sha256 === '') return null;
    out[i] = { path: f.path, size: f.size, mtimeMs: f.mtimeMs, sha256: c.sha256 };
  }
  // The preflight lists in path order already; sorted here only if a file system reported no entry types.
  for (let i = 1; i < out.length; i++)
    if (out[i - 1]!.path > out[i]!.path) return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  return out;
}

/**
 * Whether a no-op (the files exactly the committed revision's) is answered from the cache and the remote
 * manifest alone. The revision was written from these very bytes, so its catalog payload passed the
 * checks then and rereading the aggregates would give the same — unless that sync reported something
 * about them (its warnings: cleaned cells, torn rows, a shrunk table), which a no-op reports again, or
 * another version wrote it (whose checks and warnings may differ). Then the aggregates are read.
 */
function quickNoop(remote: RemoteManifest): boolean {
  return remote.warnings.length === 0 && remote.toolVersion === TOOL_VERSION;
}

/** Whether the cache already holds exactly these entries (then rewriting it would change nothing). */
function sameAsCache(files: readonly FileEntry[], cache: ReadonlyMap<string, CachedFile>): boolean {
  if (files.length !== cache.size) return false;
  return files.every((f) => {
    const c = cache.get(f.path);
    return c !== undefined && c.size === f.size && c.mtimeMs === f.mtimeMs && c.sha256 === f.sha256;
  });
}

/** The oldest file's mtime (now for no file): a loop, as spreading 100,000s of values as arguments overflows the stack. */
function oldestMtime(files: readonly FileEntry[]): number {
  let oldest = Date.now();
  for (const f of files) if (f.mtimeMs < oldest) oldest = f.mtimeMs;
  return oldest;
}

function objectsOf(plan: SyncPlan): SyncResult['objects'] {
  return plan.objects.map((o) => ({
    key: o.key,
    action: o.reuse ? ('reuse' as const) : ('upload' as const),
    sourceBytes: sourceBytes(o),
  }));
}

/** The entries whose sha256 is known (not left for the archive writer). */
function hashed(files: FileEntry[]): FileEntry[] {
  return files.every((f) => f.sha256 !== '') ? files : files.filter((f) => f.sha256 !== '');
}

function sourceBytes(o: PlannedObject): number {
  return o.kind === 'aggregate' ? o.file.size : o.files.reduce((n: number, f: FileEntry) => n + f.size, 0);
}

function contentTypeOf(path: string): string {
  if (path.endsWith('.csv')) return 'text/csv';
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.html')) return 'text/html';
  if (path.endsWith('.jsonl')) return 'application/x-ndjson';
  if (path.endsWith('.txt') || path.endsWith('.log')) return 'text/plain';
  return 'application/octet-stream';
}

/** The prefetched tree of `path`, if it is of that folder, has arrived, and is fresh enough. */
function prefetchedTree(prefetch: SweepTreePrefetch | undefined, path: string): SweepTree | undefined {
  const tree = prefetch?.take();
  if (!tree || prefetch?.root !== path || Date.now() - prefetch.startedAt > PREFETCH_MAX_AGE_MS) {
    return undefined;
  }
  return tree;
}
