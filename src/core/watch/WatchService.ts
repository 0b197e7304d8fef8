import { basename, resolve, sep } from 'node:path';
import type { EngineEventListener } from '../../shared/events.js';
import type { PausedBy, PauseInfo } from '../../shared/states.js';
import type { SyncEngine } from '../engine/SyncEngine.js';
import type { Journal } from '../journal/Journal.js';
import type { JournalSweep } from '../journal/types.js';
import { SyncError, toSyncError } from '../model/errors.js';
import type { Json } from '../model/types.js';
import { DEFAULT_SETTLE_MS, DEFAULT_STALE_MS } from '../sweep/completion.js';
import { detectLayout } from '../sweep/layout.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import type { CpuPacer } from './CpuPacer.js';
import { deepCheck } from './deepCheck.js';
import { defaultWatchBudget } from './FolderWatches.js';
import { FingerprintStore, type SweepFingerprint, takeFingerprint } from './fingerprint.js';
import { JournalPoller } from './JournalPoller.js';
import { PauseControl } from './PauseControl.js';
import { Reconciler } from './Reconciler.js';
import { Rescanner } from './Rescanner.js';
import { RetryScheduler } from './RetryScheduler.js';
import { AllowIncomplete, requestRetry } from './requests.js';
import { SettleScheduler } from './SettleScheduler.js';
import { SweepDetector } from './SweepDetector.js';
import { SweepExaminer } from './SweepExaminer.js';
import { SweepStates } from './SweepStates.js';
import { SyncQueue } from './SyncQueue.js';
import { syncRecorded } from './syncRecorded.js';
import { WatchEvents } from './WatchEvents.js';
import { watchedFolderMissingError, watcherError } from './watcherErrors.js';

export type { ExamineResult } from './SweepExaminer.js';

export interface WatchServiceDeps {
  engine: Pick<SyncEngine, 'syncSweep'>;
  journal: Journal;
  /** The sweep-state owner to share with one-shot syncs (default: one of its own on `journal`). */
  states?: SweepStates;
}

export interface WatchServiceOptions {
  /** Experiments folders; each direct subfolder is a sweep. */
  roots: string[];
  /** Archive and upload run data too (default true: watch mode exists to get everything off the machine). */
  full?: boolean;
  /**
   * Sync finished sweeps by themselves (default true). Off: sweeps are still detected, settle and are
   * queued, but each waits ("held") until `syncNow` or `retry` asks for it; see SyncQueue.
   */
  autoSync?: boolean;
  /** Quiet time before a finished sweep counts as complete. Default 10 s. */
  settleMs?: number;
  /** Without a terminal signal, no write for this long means crashed. Default 15 min. */
  staleMs?: number;
  /** Sweeps synced at once (branches go in parallel inside one). Default 1. */
  concurrency?: number;
  /** Full scan of the roots besides file events. Default 10 min; 0 turns it off. */
  reconcileIntervalMs?: number;
  retry?: Partial<RetryPolicy>;
  /**
   * Folder watches and the background checks (default true). Off: only start-up and periodic scans
   * (`--once`).
   */
  watch?: boolean;
  debounceMs?: number;
  /** Folder watches at most (default: half of fs.inotify.max_user_watches, at most 100,000). */
  watchBudget?: number;
  /** One recursive watch per experiments folder instead of folder watches (default on macOS and Windows). */
  recursiveWatch?: boolean;
  /** How often sweeps that can't be watched are looked at. Default 30 s. */
  pollIntervalMs?: number;
  /** How often each synced sweep is deep-checked (every file stat'ed). Default 1 h; 0 = never. */
  deepCheckIntervalMs?: number;
  /** The first deep checks begin this long after start-up. Default 30 s. */
  deepCheckDelayMs?: number;
  /** CPU share of one core the polling and deep checks may use. Default 0.002 (0.2 %). */
  backgroundCpuShare?: number;
  /** How often the journal is read for pause/retry requests from other processes. Default 2 s; 0 = off. */
  journalPollMs?: number;
  onEvent?: EngineEventListener;
  /** For tests: randomness of the back-off jitter. */
  random?: () => number;
}

interface SweepRef {
  name: string;
  path: string;
}

/** The queue as plain data, for the UI's queue view. */
export interface WatchSnapshot {
  /** Finished, settling: `settlesAt` is when the settle window ends (null if no look is planned yet). */
  waiting: Array<SweepRef & { settlesAt: string | null }>;
  /** Waiting for an upload slot, in order; `held`: auto-sync is off and it waits for "Sync now". */
  queued: Array<SweepRef & { held: boolean }>;
  syncing: SweepRef[];
  failed: Array<
    SweepRef & {
      reason: string | null;
      nextRetryAt: string | null;
      attempts: number;
      lastError: string | null;
    }
  >;
  /** Crashed (or marked failed by bilancio): synced only on request. */
  incomplete: Array<SweepRef & { reason: string | null }>;
  /** Still being written by bilancio. */
  running: Array<SweepRef & { reason: string | null }>;
}

/**
 * Watch mode: finished sweeps sync themselves through a durable queue.
 *
 *   detected → running | waiting (settling) → queued → syncing → synced
 *                                                    ↘ failed (next retry at …, back-off with full jitter;
 *                                                      after `maxAttempts` it stays failed until retried)
 *   a crashed sweep → incomplete (synced only on request, see retry with allowIncomplete)
 *
 * This class only puts the parts together: SweepStates (the state machine, journaled first), SyncQueue
 * (order and concurrency), SweepExaminer (what a folder's state should be), SettleScheduler and
 * RetryScheduler (the timers), Reconciler (the scans), PauseControl and JournalPoller (pause, and
 * requests from other processes), WatchEvents (the event stream without repeats), SweepDetector (file
 * events). The journal is the queue: on start, `syncing` rows (a crash or reboot mid-sync) become `queued`
 * again, `queued` rows are queued, failed rows get their retry timers, and a reconcile scan looks at every
 * sweep folder.
 */
export class WatchService {
  readonly roots: string[];
  /** Failures seen by this process (for `--once`'s exit code). */
  readonly failures: Array<{ sweep: string; message: string; category: string }> = [];

  private readonly full: boolean;
  private autoSyncOn: boolean;
  private readonly settleMs: number;
  private readonly concurrency: number;
  private readonly states: SweepStates;
  private readonly events: WatchEvents;
  private readonly queue: SyncQueue;
  private readonly retries: RetryScheduler;
  private readonly settle: SettleScheduler;
  private readonly examiner: SweepExaminer;
  private readonly reconciler: Reconciler;
  private readonly pause: PauseControl;
  private readonly poller: JournalPoller;
  private readonly allowIncomplete: AllowIncomplete;
  private readonly detector: SweepDetector | null;
  private readonly rescanner: Rescanner | null;
  private readonly fingerprints: FingerprintStore;
  /** When each sweep was last deep-checked by this process (also for sweeps without a fingerprint). */
  private readonly deepCheckedAt = new Map<string, number>();
  /** Watcher problems reported (code and folder), so that each is told once. */
  private readonly problemsTold = new Set<string>();
  private readonly changedWhileSyncing = new Set<string>();
  private unsubscribe: () => void = () => {};
  private started = false;
  private stopping = false;

  constructor(
    private readonly deps: WatchServiceDeps,
    private readonly options: WatchServiceOptions,
  ) {
    const { journal } = deps;
    this.roots = options.roots.map((r) => resolve(r));
    this.full = options.full ?? true;
    this.autoSyncOn = options.autoSync ?? true;
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.states = deps.states ?? new SweepStates(journal);
    if (this.states.journal !== journal) {
      throw new SyncError('internal', 'WatchService: the sweep states belong to another journal.');
    }
    this.events = new WatchEvents(options.onEvent);
    this.fingerprints = new FingerprintStore(journal);
    this.allowIncomplete = new AllowIncomplete(journal);
    const stopping = () => this.stopping;
    this.queue = new SyncQueue({
      concurrency: this.concurrency,
      run: (path, controller) => this.syncOne(path, controller),
      mayStart: () => this.started && !this.stopping && this.pause.current === null,
      autoStart: () => this.autoSyncOn,
      onChange: () => this.reportQueue(),
    });
    this.retries = new RetryScheduler({
      states: this.states,
      policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      random: options.random ?? Math.random,
      onQueued: (path) => this.queue.enqueue(path),
    });
    this.settle = new SettleScheduler((path) => this.examiner.examine(path));
    this.examiner = new SweepExaminer({
      journal,
      states: this.states,
      full: this.full,
      settleMs: this.settleMs,
      staleMs: options.staleMs ?? DEFAULT_STALE_MS,
      isSyncing: (path) => this.queue.isActive(path),
      changedWhileSyncing: (path) => this.changedWhileSyncing.add(path),
      enqueue: (path) => this.queue.enqueue(path),
      held: (path) => this.queue.isHeld(path),
      settleLater: (path, ms) => this.settle.schedule(path, ms),
      hasRetryTimer: (path) => this.retries.has(path),
      cancelRetry: (path) => this.retries.cancel(path),
      scheduleRetry: (row) => this.retries.schedule(row),
      allowIncomplete: (path) => this.allowIncomplete.has(path),
      stopping,
      warn: (sweep, message) => this.events.emit({ type: 'warning', sweep, message }),
      warnOnce: (path, sweep, message) => this.events.warnOnce(path, sweep, message),
      fingerprints: this.fingerprints,
      problem: (err, path) => this.problem(err, path),
      watchSweep: (path, dirs) => this.detector?.watchSweep(path, dirs),
    });
    this.reconciler = new Reconciler({
      roots: this.roots,
      examine: (path, o) => this.examiner.examine(path, o),
      isSyncing: (path) => this.queue.isActive(path),
      stopping,
      emit: (e) => this.events.emit(e),
      beforeScan: () => this.detector?.retryWatches(),
      onRootError: (root, e) => this.onRootError(root, e),
    });
    this.pause = new PauseControl({
      journal,
      emit: (e) => this.events.emit(e),
      onChange: () => this.queue.pump(),
    });
    this.poller = new JournalPoller({
      states: this.states,
      pause: this.pause,
      allowIncomplete: this.allowIncomplete,
      isOurs: (path) => this.isUnderRoots(path),
      inQueue: (path) => this.queue.has(path),
      onPauseBegan: () => this.abortInFlight(),
      onQueued: (row) => {
        // Queued by another process (`bilancio-sync retry`): asked for, so it runs even with auto-sync off.
        this.retries.cancel(row.path);
        this.report(row);
        this.queue.release([row.path]);
        this.queue.enqueue(row.path);
      },
      warn: (message) => this.events.emit({ type: 'warning', message }),
    });
    if (options.watch === false) {
      this.detector = null;
      this.rescanner = null;
    } else {
      const rescanner = new Rescanner({
        cpuShare: options.backgroundCpuShare,
        pollIntervalMs: options.pollIntervalMs,
        deepIntervalMs: options.deepCheckIntervalMs,
        deepDelayMs: options.deepCheckDelayMs,
        polled: () => this.detector?.polled() ?? [],
        examine: (path) => this.examiner.examine(path),
        synced: () => this.syncedForDeepCheck(),
        deep: (row, pacer) => this.deepCheckOne(row, pacer),
        onError: (e) =>
          this.events.emit({ type: 'warning', message: `background check: ${toSyncError(e).message}` }),
      });
      this.rescanner = rescanner;
      this.detector = new SweepDetector({
        roots: this.roots,
        debounceMs: options.debounceMs,
        budget: options.watchBudget ?? defaultWatchBudget(),
        recursive: options.recursiveWatch,
        pollEvery: rescanner.pollEvery,
        onActivity: (p) => this.onActivity(p),
        onDeepActivity: (p) => rescanner.poke(p),
        onPolled: () => rescanner.poke(),
        onProblem: (err, path) => this.problem(err, path),
        onRootBack: (root) => this.onRootBack(root),
      });
    }
  }

  // ---- life cycle ---------------------------------------------------------------------------------

  /** Recover the queue from the journal, start watching, run the start-up reconcile, start syncing. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.states.subscribe((row) => this.report(row));
    this.events.emit({
      type: 'watch-started',
      roots: this.roots,
      full: this.full,
      settleMs: this.settleMs,
      concurrency: this.concurrency,
    });
    this.recover();
    this.pause.refresh();
    if (this.detector) await this.detector.start();
    await this.reconciler.run('startup');
    this.fingerprints.flush();
    if (this.detector) this.reconciler.startPeriodic(this.options.reconcileIntervalMs ?? 10 * 60_000);
    this.poller.start(this.options.journalPollMs ?? 2_000);
    this.rescanner?.start();
    this.queue.pump();
  }

  /**
   * Stop: no new work, in-flight syncs aborted through their AbortSignal (recorded as aborted, the sweep
   * left `queued`, nothing half-committed: the manifest is the commit point), watcher closed. Resolves
   * when every in-flight sync has wound down.
   */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.settle.close();
    this.retries.close();
    this.pause.close();
    this.reconciler.stop();
    this.poller.stop();
    await this.rescanner?.stop();
    await this.detector?.close();
    await this.queue.close(
      new SyncError('transient', `Watch mode ${reason}; the sync will resume next time.`),
    );
    await this.examiner.settled();
    this.fingerprints.flush();
    this.unsubscribe();
    this.events.emit({ type: 'watch-stopped', reason });
  }

  /**
   * Resolves when there is nothing left to do right now: nothing queued, syncing, settling or being looked
   * at (scheduled retries of failed sweeps don't count). For `watch --once`.
   */
  async whenIdle(pollMs = 100): Promise<void> {
    for (;;) {
      const busy =
        this.queue.busy(this.pause.current === null) ||
        this.settle.busy ||
        this.examiner.busy ||
        this.reconciler.busy;
      if (!busy || this.stopping) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  // ---- controls -----------------------------------------------------------------------------------

  /** Pause syncing (in-flight syncs are aborted and re-queued unless `abortInFlight` is false). */
  pauseSyncing(
    options: { by?: PausedBy; forMs?: number | null; reason?: string | null; abortInFlight?: boolean } = {},
  ): PauseInfo {
    const info = this.pause.pauseSyncing(options);
    if (options.abortInFlight !== false) this.abortInFlight();
    return info;
  }

  /** Resume. The app can only lift its own pauses; returns whether syncing is running again. */
  resumeSyncing(by: PausedBy = 'user'): boolean {
    return this.pause.resumeSyncing(by);
  }

  get paused(): PauseInfo | null {
    return this.pause.current;
  }

  /** Whether finished sweeps sync by themselves (the auto-sync setting). */
  get autoSync(): boolean {
    return this.autoSyncOn;
  }

  /** Turn auto-sync on (the held sweeps start, in order) or off (queued sweeps wait for "Sync now"). */
  setAutoSync(on: boolean): void {
    if (this.autoSyncOn === on) return;
    this.autoSyncOn = on;
    this.queue.pump();
  }

  /** Another attempt now, for a failed sweep (also after its retries ran out) or, with allowIncomplete, a crashed one. */
  retry(nameOrPath: string, options: { allowIncomplete?: boolean } = {}): JournalSweep {
    const row = requestRetry(this.states, nameOrPath, options);
    if (options.allowIncomplete) this.allowIncomplete.add(row.path);
    this.retries.cancel(row.path);
    this.report(row);
    this.queue.release([row.path]);
    this.queue.enqueue(row.path);
    return row;
  }

  /** Scan every sweep folder under the roots now. */
  async reconcileNow(): Promise<void> {
    await this.reconciler.run('request');
  }

  /**
   * Sync now: one sweep folder under the roots (examined at once, queued if finished — even if it looks
   * unchanged since synced, and a failed one without waiting for its retry time), or without `target`
   * every finished sweep under the roots (a reconcile that queues failed sweeps at once). Settle windows
   * still apply: a sweep written seconds ago waits until it is quiet. Resolves to the names of the
   * sweeps it queued (or found queued). With auto-sync off this is what lets them go: the sweeps it
   * queued, those settling now (once they are queued) and everything already queued are released.
   */
  async syncNow(target?: string): Promise<string[]> {
    if (this.stopping) return [];
    if (target !== undefined) {
      const path = resolve(target);
      if (!this.isUnderRoots(path)) {
        throw new SyncError(
          'usage',
          `${path} is not a sweep folder inside the watched folders (${this.roots.join(', ')}).`,
          'Add its experiments folder to the watched folders, or sync it on its own.',
          { code: 'not-watched', field: 'path' },
        );
      }
      // Released first: the examination may queue it, and with auto-sync off it must not be held then.
      this.queue.release([path]);
      const result = await this.examiner.examine(path, { immediate: true, force: true });
      if (result !== 'queued' && result !== 'waiting') this.queue.consumeRelease(path);
      return result === 'queued' ? [this.nameOf(path)] : [];
    }
    // What this look finds finished or settling, and everything queued, may go (released after the look,
    // so that a held sweep doesn't start while it is examined and drop out of the answer as "syncing").
    const results = await this.reconciler.run('request', { immediate: true });
    const asked = [...results].filter(([, r]) => r === 'queued' || r === 'waiting').map(([path]) => path);
    this.queue.release([...this.queue.queued, ...asked]);
    return [...results].filter(([, r]) => r === 'queued').map(([path]) => this.nameOf(path));
  }

  /** Where every sweep under the roots stands, as plain data (the UI's queue view). */
  snapshot(): WatchSnapshot {
    const rows = this.deps.journal.sweeps.list().filter((r) => this.isUnderRoots(r.path));
    const byPath = new Map(rows.map((r) => [r.path, r]));
    const ref = (path: string): SweepRef => ({ name: byPath.get(path)?.name ?? basename(path), path });
    const inState = (state: JournalSweep['state']) => rows.filter((r) => r.state === state);
    const syncing = this.queue.syncing;
    // In queue order; a held sweep synced meanwhile by a one-shot sync (its row moved on) is not queued.
    const queued = this.queue.queued.filter((p) => byPath.get(p)?.state === 'queued');
    return {
      waiting: inState('waiting').map((r) => ({
        name: r.name,
        path: r.path,
        settlesAt: this.settle.settlesAt(r.path),
      })),
      queued: [
        ...queued,
        ...inState('queued')
          .map((r) => r.path)
          .filter((p) => !queued.includes(p) && !syncing.includes(p)),
      ].map((p) => ({ ...ref(p), held: this.queue.isHeld(p) })),
      syncing: [
        ...syncing,
        ...inState('syncing')
          .map((r) => r.path)
          .filter((p) => !syncing.includes(p)),
      ].map(ref),
      failed: inState('failed').map((r) => ({
        name: r.name,
        path: r.path,
        reason: r.stateReason,
        nextRetryAt: r.nextRetryAt,
        attempts: r.attempts,
        lastError: r.lastError,
      })),
      incomplete: inState('incomplete').map((r) => ({ name: r.name, path: r.path, reason: r.stateReason })),
      running: inState('running').map((r) => ({ name: r.name, path: r.path, reason: r.stateReason })),
    };
  }

  // ---- the parts' glue ----------------------------------------------------------------------------

  private recover(): void {
    const { journal } = this.deps;
    journal.attempts.abandonUnfinished();
    for (const row of journal.sweeps.list()) {
      if (!this.isUnderRoots(row.path)) continue;
      this.events.seed(row);
      if (row.state === 'syncing') {
        this.states.move(row, 'queued', 'resumed: Bilancio Sync stopped during the last attempt');
        this.queue.enqueue(row.path);
      } else if (row.state === 'queued') {
        this.queue.enqueue(row.path);
      } else if (row.state === 'failed') {
        this.retries.schedule(row);
      }
    }
  }

  /** One sync from the queue, recorded by syncRecorded; what follows a failure is planned here. */
  private async syncOne(path: string, controller: AbortController): Promise<void> {
    const { journal, engine } = this.deps;
    const row = journal.sweeps.byPath(path);
    if (!row || row.state !== 'queued') return; // changed meanwhile (e.g. another process synced it)
    this.states.move(row, 'syncing', 'starting');
    this.changedWhileSyncing.delete(path);
    const allowIncomplete = this.allowIncomplete.has(path);
    const startedAt = Date.now();
    const before = await this.fingerprintNow(path);
    try {
      await syncRecorded({ engine, journal, states: this.states }, path, {
        full: this.full,
        waitForSettle: true,
        allowIncomplete,
        signal: controller.signal,
        onEvent: (e) => this.events.emit(e),
        planFailure: this.retries.plan,
      });
      this.recordFingerprint(path, before, startedAt);
      // What was asked for is done; the next change of this sweep waits for "Sync now" again (auto-sync off).
      this.queue.consumeRelease(path);
      if (allowIncomplete) this.allowIncomplete.done(path);
      if (this.changedWhileSyncing.delete(path)) void this.examiner.examine(path);
    } catch (e) {
      const err = toSyncError(e);
      const after = journal.sweeps.byPath(path) ?? row;
      if (controller.signal.aborted) {
        // Stopped or paused: recorded as aborted, the sweep is queued again.
        if (!this.stopping) this.queue.enqueue(path, true);
        return;
      }
      if (err.category === 'not-ready') {
        // Not finished after all (a resume started, or it crashed): look at it again from scratch. Not
        // right away: if the engine and the examiner disagree (e.g. other settle or stale windows), an
        // immediate look would queue it again at once, in a loop.
        this.settle.schedule(path, this.settleMs + 1_000);
        return;
      }
      if (err.category === 'conflict') {
        // A file changed while its archive was written: that attempt is abandoned (no torn archive was
        // committed) and the sweep goes through the settle window again.
        this.events.emit({
          type: 'warning',
          sweep: after.name,
          message: `${err.message}; will retry once the sweep is quiet`,
        });
        this.settle.schedule(path, this.settleMs + 100);
        return;
      }
      this.failures.push({ sweep: after.name, message: err.message, category: err.category });
      if (after.state === 'failed' && after.nextRetryAt) this.retries.schedule(after);
    }
  }

  private onActivity(path: string): void {
    if (this.stopping) return;
    if (this.queue.isActive(path)) {
      this.changedWhileSyncing.add(path);
      return;
    }
    void this.examiner.examine(path);
  }

  /** The sweep's fingerprint entries now, or null if it can't be taken (not a sweep, gone). */
  private async fingerprintNow(path: string): Promise<Pick<SweepFingerprint, 'entries' | 'dirs'> | null> {
    try {
      return await takeFingerprint(path, await detectLayout(path));
    } catch {
      return null;
    }
  }

  /**
   * After a sync: the fingerprint taken before it describes the synced folder (or an older state, which
   * then doesn't match: safe), and the sync's listing of every file counts as a deep check at its start.
   */
  private recordFingerprint(
    path: string,
    before: Pick<SweepFingerprint, 'entries' | 'dirs'> | null,
    startedAt: number,
  ): void {
    const { journal } = this.deps;
    const row = journal.sweeps.byPath(path);
    if (!before || row?.state !== 'synced') return;
    const latest = journal.revisions.latestInfo(row.id);
    if (!latest) return;
    this.fingerprints.put(row.id, {
      rowUpdatedAt: row.updatedAt,
      full: latest.full,
      ...before,
      deepCheckedAt: startedAt,
    });
    this.deepCheckedAt.set(path, startedAt);
  }

  /** The synced sweeps under the roots, with when each was last deep-checked. */
  private syncedForDeepCheck(): Array<{ row: JournalSweep; deepCheckedAt: number | null }> {
    return this.deps.journal.sweeps
      .list({ state: 'synced' })
      .filter((row) => this.isUnderRoots(row.path))
      .map((row) => ({
        row,
        deepCheckedAt: this.deepCheckedAt.get(row.path) ?? this.fingerprints.deepCheckedAt(row),
      }));
  }

  /** Deep-check one synced sweep; a difference queues it (the engine then finds out what changed). */
  private async deepCheckOne(row: JournalSweep, pacer: CpuPacer): Promise<void> {
    const { journal } = this.deps;
    if (this.stopping || this.queue.has(row.path) || this.queue.isActive(row.path)) return;
    const current = journal.sweeps.get(row.id);
    if (!current || current.state !== 'synced') return;
    let layout: Awaited<ReturnType<typeof detectLayout>>;
    try {
      layout = await detectLayout(row.path);
    } catch {
      return; // gone or no sweep any more: its next examination says so
    }
    const found = await deepCheck(journal, current, row.path, layout, pacer);
    const after = journal.sweeps.get(row.id);
    if (this.stopping || !after || after.updatedAt !== current.updatedAt) return; // moved on meanwhile
    const now = Date.now();
    this.deepCheckedAt.set(row.path, now);
    if (found === null) {
      this.fingerprints.markDeepChecked(after, now);
      return;
    }
    journal.events.add({
      level: 'info',
      kind: 'changed-since-synced',
      sweepId: row.id,
      message: `${row.name}: ${found} since it was synced (found by the periodic deep check)`,
    });
    void this.examiner.examine(row.path, { force: true });
  }

  /**
   * A watcher failure, told once per kind and folder: as a warning event with its hint (the CLI prints
   * both, the window shows it) and in the journal (`status`, the window's warnings) with the hint in
   * its words.
   */
  private problem(err: SyncError, path: string): void {
    const key = `${err.code}\0${path}`;
    if (this.problemsTold.has(key)) return;
    this.problemsTold.add(key);
    const hint =
      err.hint !== undefined || err.action
        ? { text: err.hint ?? '', ...(err.action ? { action: err.action } : {}) }
        : undefined;
    this.events.emit({ type: 'warning', message: err.message, ...(hint ? { hint } : {}) });
    try {
      this.deps.journal.events.add({
        level: 'warning',
        kind: 'watcher-problem',
        message: err.hint ? `${err.message} ${err.hint}` : err.message,
        data: err.toAppError() as unknown as Json,
      });
    } catch {
      // The journal can't be written (its disk is full, …): the event above still tells.
    }
  }

  private onRootError(root: string, e: NodeJS.ErrnoException): void {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
      if (this.detector) this.detector.rootMissing(root, e.code === 'ENOTDIR');
      else this.problem(watchedFolderMissingError(root, e.code === 'ENOTDIR'), root);
      return;
    }
    this.problem(watcherError(e, root) ?? toSyncError(e), root);
  }

  /** An experiments folder that was gone is back: look at everything in it; a new loss is told again. */
  private onRootBack(root: string): void {
    for (const key of [...this.problemsTold]) if (key.endsWith(`\0${root}`)) this.problemsTold.delete(key);
    this.deps.journal.events.add({
      level: 'info',
      kind: 'watched-folder-back',
      message: `The watched experiments folder ${root} is back: watching it again.`,
    });
    void this.reconciler.run('request').catch(() => {});
  }

  private abortInFlight(): void {
    this.queue.abortAll(new SyncError('transient', 'Syncing was paused; the sweep stays queued.'));
  }

  /** A sweep row changed (or is being taken in): report it, and the queue, if that is news. */
  private report(row: JournalSweep): void {
    if (this.events.sweepState(row)) this.reportQueue();
  }

  private reportQueue(): void {
    if (!this.started) return;
    this.events.queueState({
      queued: this.queue.queued.map((p) => this.nameOf(p)),
      syncing: this.queue.syncing.map((p) => this.nameOf(p)),
      paused: this.pause.current,
    });
  }

  private nameOf(path: string): string {
    return this.deps.journal.sweeps.byPath(path)?.name ?? basename(path);
  }

  private isUnderRoots(path: string): boolean {
    return this.roots.some((r) => path.startsWith(r + sep));
  }
}
