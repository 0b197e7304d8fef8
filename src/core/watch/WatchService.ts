import { basename, resolve, sep } from 'node:path';
import type {
  EngineEvent,
  EngineEventListener,
  PausedBy,
  PauseInfo,
  WatchSweepState,
} from '../../shared/events.js';
import { validateSweepName } from '../engine/keys.js';
import type { SyncEngine } from '../engine/SyncEngine.js';
import { isSyncError, SyncError, toSyncError } from '../errors.js';
import type { Journal } from '../journal/Journal.js';
import type { JournalSweep, SweepState } from '../journal/types.js';
import { assessCompletion, DEFAULT_SETTLE_MS, DEFAULT_STALE_MS } from '../sweep/completion.js';
import { detectLayout } from '../sweep/layout.js';
import { DEFAULT_RETRY_POLICY, nextRetryDelay, type RetryPolicy } from './backoff.js';
import { clearPause, readPause, writePause } from './pause.js';
import { checkUnchanged, listSweepFolders } from './Reconciler.js';
import { readAllowIncomplete, requestRetry, writeAllowIncomplete } from './requests.js';
import { SweepDetector } from './SweepDetector.js';

export interface WatchServiceDeps {
  engine: Pick<SyncEngine, 'syncSweep'>;
  journal: Journal;
}

export interface WatchServiceOptions {
  /** Experiments folders; each direct subfolder is a sweep. */
  roots: string[];
  /** Archive and upload run data too (default true: watch mode exists to get everything off the machine). */
  full?: boolean;
  /** Quiet time before a finished sweep counts as complete. Default 10 s. */
  settleMs?: number;
  /** Without a terminal signal, no write for this long means crashed. Default 15 min. */
  staleMs?: number;
  /** Sweeps synced at once (branches go in parallel inside one). Default 1. */
  concurrency?: number;
  /** Full scan of the roots besides file events. Default 10 min; 0 turns it off. */
  reconcileIntervalMs?: number;
  retry?: Partial<RetryPolicy>;
  /** File events with chokidar (default true). Off: only start-up and periodic scans (`--once`). */
  watch?: boolean;
  debounceMs?: number;
  /** How often the journal is read for pause/retry requests from other processes. Default 2 s; 0 = off. */
  journalPollMs?: number;
  onEvent?: EngineEventListener;
  /** For tests: randomness of the back-off jitter. */
  random?: () => number;
}

interface Active {
  controller: AbortController;
  done: Promise<void>;
}

/** Most setTimeout can wait (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Watch mode: finished sweeps sync themselves through a durable queue.
 *
 * Every state change goes to the journal first, then to the event stream:
 *   detected → running | waiting (settling) → queued → syncing → synced
 *                                                    ↘ failed (next retry at …, back-off with full jitter;
 *                                                      after `maxAttempts` it stays failed until retried)
 *   a crashed sweep → incomplete (synced only on request, see requestRetry / syncIncomplete)
 * The journal is the queue: on start, `syncing` rows (a crash or reboot mid-sync) become `queued` again,
 * `queued` rows are queued, failed rows get their retry timers, and a reconcile scan looks at every sweep
 * folder (cheaply: unchanged synced sweeps are recognised without hashing, see checkUnchanged).
 */
export class WatchService {
  readonly roots: string[];
  private readonly full: boolean;
  private readonly settleMs: number;
  private readonly staleMs: number;
  private readonly concurrency: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly random: () => number;
  private readonly detector: SweepDetector | null;

  private readonly queue: string[] = [];
  private readonly active = new Map<string, Active>();
  private readonly settleTimers = new Map<string, NodeJS.Timeout>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly examining = new Map<string, Promise<ExamineResult>>();
  private readonly examineAgain = new Set<string>();
  private readonly changedWhileSyncing = new Set<string>();
  /** Last state reported per sweep path, to give `previous` in sweep-state events. */
  private readonly known = new Map<string, { state: SweepState; nextRetryAt: string | null }>();
  private allowIncomplete: Set<string>;
  private pause: PauseInfo | null = null;
  private pauseTimer: NodeJS.Timeout | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private reconciling: Promise<void> | null = null;
  private started = false;
  private stopping = false;
  /** Failures seen by this process (for `--once`'s exit code). */
  readonly failures: Array<{ sweep: string; message: string; category: string }> = [];

  constructor(
    private readonly deps: WatchServiceDeps,
    private readonly options: WatchServiceOptions,
  ) {
    this.roots = options.roots.map((r) => resolve(r));
    this.full = options.full ?? true;
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.staleMs = options.staleMs ?? DEFAULT_STALE_MS;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.allowIncomplete = readAllowIncomplete(deps.journal);
    this.detector =
      options.watch === false
        ? null
        : new SweepDetector({
            roots: this.roots,
            debounceMs: options.debounceMs,
            onActivity: (p) => this.onActivity(p),
            onError: (e) => this.emit({ type: 'warning', message: `file watcher: ${e.message}` }),
          });
  }

  // ---- life cycle ---------------------------------------------------------------------------------

  /** Recover the queue from the journal, start watching, run the start-up reconcile, start syncing. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { journal } = this.deps;
    this.emit({
      type: 'watch-started',
      roots: this.roots,
      full: this.full,
      settleMs: this.settleMs,
      concurrency: this.concurrency,
    });
    this.recover();
    this.applyPause(readPause(journal), 'timer');
    if (this.detector) await this.detector.start();
    await this.reconcile('startup');
    const every = this.options.reconcileIntervalMs ?? 10 * 60_000;
    if (every > 0 && this.detector) {
      this.reconcileTimer = setInterval(() => void this.reconcile('periodic').catch(() => {}), every);
      this.reconcileTimer.unref?.();
    }
    const poll = this.options.journalPollMs ?? 2_000;
    if (poll > 0) {
      this.pollTimer = setInterval(() => this.pollJournal(), poll);
      this.pollTimer.unref?.();
    }
    this.pump();
  }

  /**
   * Stop: no new work, in-flight syncs aborted through their AbortSignal (the engine records the attempt
   * as aborted and leaves the sweep `queued`, nothing half-committed: the manifest is the commit point),
   * watcher closed. Resolves when every in-flight sync has wound down.
   */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of [...this.settleTimers.values(), ...this.retryTimers.values()]) clearTimeout(t);
    this.settleTimers.clear();
    this.retryTimers.clear();
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.detector?.close();
    for (const a of this.active.values()) {
      a.controller.abort(new SyncError('transient', `Watch mode ${reason}; the sync will resume next time.`));
    }
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
    await Promise.allSettled([...this.examining.values()]);
    this.emit({ type: 'watch-stopped', reason });
  }

  /**
   * Resolves when there is nothing left to do right now: nothing queued, syncing, settling or being looked
   * at (scheduled retries of failed sweeps don't count). For `watch --once`.
   */
  async whenIdle(pollMs = 100): Promise<void> {
    for (;;) {
      const busy =
        (this.queue.length > 0 && this.pause === null) ||
        this.active.size > 0 ||
        this.settleTimers.size > 0 ||
        this.examining.size > 0 ||
        this.reconciling !== null;
      if (!busy || this.stopping) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  // ---- controls -----------------------------------------------------------------------------------

  /** Pause syncing (in-flight syncs are aborted and re-queued unless `abortInFlight` is false). */
  pauseSyncing(
    options: { by?: PausedBy; forMs?: number | null; reason?: string | null; abortInFlight?: boolean } = {},
  ): PauseInfo {
    const info = writePause(this.deps.journal, options);
    this.deps.journal.addEvent({
      level: 'info',
      kind: 'paused',
      message: `syncing paused by the ${info.by}${info.until ? ` until ${info.until}` : ''}${info.reason ? `: ${info.reason}` : ''}`,
    });
    this.applyPause(info, info.by);
    if (options.abortInFlight !== false) {
      for (const a of this.active.values()) {
        a.controller.abort(new SyncError('transient', 'Syncing was paused; the sweep stays queued.'));
      }
    }
    return info;
  }

  /** Resume. The app can only lift its own pauses; returns whether syncing is running again. */
  resumeSyncing(by: PausedBy = 'user'): boolean {
    if (!clearPause(this.deps.journal, by)) return this.pause === null;
    this.deps.journal.addEvent({ level: 'info', kind: 'resumed', message: `syncing resumed by the ${by}` });
    this.applyPause(null, by);
    return true;
  }

  get paused(): PauseInfo | null {
    return this.pause;
  }

  /** Another attempt now, for a failed sweep (also after its retries ran out) or, with allowIncomplete, a crashed one. */
  retry(nameOrPath: string, options: { allowIncomplete?: boolean } = {}): JournalSweep {
    const row = requestRetry(this.deps.journal, nameOrPath, options);
    if (options.allowIncomplete) this.allowIncomplete.add(row.path);
    const timer = this.retryTimers.get(row.path);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(row.path);
    this.report(row);
    this.enqueue(row.path);
    return row;
  }

  /** Scan every sweep folder under the roots now. */
  async reconcileNow(): Promise<void> {
    await this.reconcile('request');
  }

  // ---- the queue ----------------------------------------------------------------------------------

  private recover(): void {
    const { journal } = this.deps;
    journal.abandonUnfinishedAttempts();
    for (const row of journal.listSweeps()) {
      if (!this.isUnderRoots(row.path)) continue;
      this.known.set(row.path, { state: row.state, nextRetryAt: row.nextRetryAt });
      if (row.state === 'syncing') {
        const r = this.transition(row, 'queued', 'resumed: Bilancio Sync stopped during the last attempt');
        this.enqueue(r.path);
      } else if (row.state === 'queued') {
        this.enqueue(row.path);
      } else if (row.state === 'failed') {
        this.scheduleRetry(row);
      }
    }
  }

  private enqueue(path: string, front = false): void {
    if (this.stopping || this.active.has(path) || this.queue.includes(path)) return;
    if (front) this.queue.unshift(path);
    else this.queue.push(path);
    this.pump();
  }

  private pump(): void {
    if (!this.started || this.stopping) return;
    while (this.pause === null && this.active.size < this.concurrency && this.queue.length > 0) {
      const path = this.queue.shift()!;
      const controller = new AbortController();
      const entry: Active = { controller, done: Promise.resolve() };
      this.active.set(path, entry);
      entry.done = this.syncOne(path, controller).finally(() => {
        this.active.delete(path);
        this.pump();
      });
    }
    this.emitQueueState();
  }

  private async syncOne(path: string, controller: AbortController): Promise<void> {
    const { journal, engine } = this.deps;
    let row = journal.getSweepByPath(path);
    if (!row || row.state !== 'queued') return; // changed meanwhile (e.g. another process synced it)
    row = this.transition(row, 'syncing', 'starting');
    this.changedWhileSyncing.delete(path);
    const allowIncomplete = this.allowIncomplete.has(path);
    const lastAttempt = journal.listAttempts({ sweepId: row.id, limit: 1 })[0]?.id ?? 0;
    try {
      await engine.syncSweep(path, {
        full: this.full,
        waitForSettle: true,
        allowIncomplete,
        signal: controller.signal,
        onEvent: (e) => this.emit(e),
      });
      if (allowIncomplete) this.dropAllowIncomplete(path);
      this.report(journal.getSweepByPath(path));
      if (this.changedWhileSyncing.delete(path)) void this.examine(path);
    } catch (e) {
      const err = toSyncError(e);
      const after = journal.getSweepByPath(path) ?? row;
      if (controller.signal.aborted) {
        // Stopped or paused: the engine left it queued (or it had not started an attempt yet).
        const r = after.state === 'queued' ? after : this.transition(after, 'queued', err.message);
        this.report(r);
        if (!this.stopping) this.enqueue(path, true);
        return;
      }
      if (err.category === 'not-ready') {
        // Not finished after all (a resume started, or it crashed): look at it again from scratch.
        // Not right away: if the engine and this service disagree (e.g. other settle or stale windows), an
        // immediate look would queue it again at once, in a loop.
        this.transition(after, 'detected', err.message);
        this.scheduleSettle(path, this.settleMs + 1_000);
        return;
      }
      if (err.category === 'conflict') {
        // A file changed while its archive was written: that attempt is abandoned (no torn archive was
        // committed) and the sweep goes through the settle window again.
        this.deps.journal.addEvent({
          level: 'warning',
          kind: 'sync-abandoned',
          sweepId: after.id,
          message: `${after.name}: ${err.message}; it will be synced again once it is quiet`,
        });
        this.emit({
          type: 'warning',
          sweep: after.name,
          message: `${err.message}; will retry once the sweep is quiet`,
        });
        // The engine may already have recorded 'waiting'; report() still tells listeners what it shows.
        this.report(this.transition(after, 'waiting', `changed during the sync: ${err.message}`));
        this.scheduleSettle(path, this.settleMs + 100);
        return;
      }
      this.failures.push({ sweep: after.name, message: err.message, category: err.category });
      // The engine journals an attempt only once it starts writing; a failure before that (the store's
      // manifest unreadable: destination down) is recorded here so that the back-off counts it.
      const recorded = (journal.listAttempts({ sweepId: after.id, limit: 1 })[0]?.id ?? 0) > lastAttempt;
      if (!recorded) {
        const id = journal.startAttempt(after.id);
        journal.finishAttempt(id, { result: 'failed', error: err.message });
      }
      this.fail(journal.getSweepByPath(path) ?? after, err);
    }
  }

  private fail(row: JournalSweep, err: SyncError): void {
    const failures = Math.max(1, row.attempts);
    const delay = err.category === 'usage' ? null : nextRetryDelay(failures, this.retryPolicy, this.random);
    if (delay === null) {
      const reason =
        err.category === 'usage' ? err.message : `gave up after ${failures} failed attempts: ${err.message}`;
      this.transition(row, 'failed', reason, { nextRetryAt: null, lastError: err.message });
      this.deps.journal.addEvent({
        level: 'error',
        kind: 'retries-exhausted',
        sweepId: row.id,
        message: `${row.name}: ${reason} (retry by hand: bilancio-sync retry ${row.name})`,
      });
      return;
    }
    const nextRetryAt = new Date(Date.now() + delay).toISOString();
    const r = this.transition(row, 'failed', err.message, { nextRetryAt, lastError: err.message });
    this.scheduleRetry(r);
  }

  private scheduleRetry(row: JournalSweep): void {
    if (this.stopping) return;
    const old = this.retryTimers.get(row.path);
    if (old) clearTimeout(old);
    this.retryTimers.delete(row.path);
    let at = row.nextRetryAt ? Date.parse(row.nextRetryAt) : Number.NaN;
    if (Number.isNaN(at)) {
      // Failed without a retry time (e.g. by `bilancio-sync sync`, or before a crash): plan one now,
      // unless its retries are used up (then it waits for a manual retry).
      const delay = nextRetryDelay(Math.max(1, row.attempts), this.retryPolicy, this.random);
      if (delay === null || row.attempts >= this.retryPolicy.maxAttempts) return;
      at = Date.now() + delay;
      row = this.transition(row, 'failed', row.stateReason, { nextRetryAt: new Date(at).toISOString() });
    }
    const path = row.path;
    const timer = setTimeout(
      () => {
        this.retryTimers.delete(path);
        const current = this.deps.journal.getSweepByPath(path);
        if (!current || current.state !== 'failed') return;
        this.transition(
          current,
          'queued',
          `retry ${current.attempts + 1} after ${current.lastError ?? 'a failure'}`,
        );
        this.enqueue(path);
      },
      Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())),
    );
    this.retryTimers.set(path, timer);
  }

  private scheduleSettle(path: string, delayMs: number): void {
    if (this.stopping) return;
    const old = this.settleTimers.get(path);
    if (old) clearTimeout(old);
    const timer = setTimeout(
      () => {
        void this.examine(path).finally(() => {
          if (this.settleTimers.get(path) === timer) this.settleTimers.delete(path);
        });
      },
      Math.min(MAX_TIMER_MS, Math.max(50, delayMs)),
    );
    this.settleTimers.set(path, timer);
  }

  // ---- detection ----------------------------------------------------------------------------------

  private onActivity(path: string): void {
    if (this.stopping) return;
    if (this.active.has(path)) {
      this.changedWhileSyncing.add(path);
      return;
    }
    void this.examine(path);
  }

  private async reconcile(trigger: 'startup' | 'periodic' | 'request'): Promise<void> {
    if (this.reconciling) return this.reconciling;
    const run = async () => {
      const started = Date.now();
      const folders = await listSweepFolders(this.roots);
      let unchanged = 0;
      let next = 0;
      const worker = async () => {
        while (next < folders.length && !this.stopping) {
          const path = folders[next++]!;
          if (this.active.has(path)) continue;
          if ((await this.examine(path)) === 'unchanged') unchanged++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, folders.length) }, worker));
      this.emit({
        type: 'reconcile-finished',
        sweeps: folders.length,
        unchanged,
        durationMs: Date.now() - started,
        trigger,
      });
    };
    this.reconciling = run().finally(() => {
      this.reconciling = null;
    });
    return this.reconciling;
  }

  /** Look at one sweep folder and move it along (serialised per folder; a request meanwhile runs once after). */
  examine(path: string): Promise<ExamineResult> {
    const running = this.examining.get(path);
    if (running) {
      this.examineAgain.add(path);
      return running;
    }
    const p = this.examineNow(path)
      .catch((e: unknown): ExamineResult => {
        const err = toSyncError(e);
        this.emit({
          type: 'warning',
          sweep: basename(path),
          message: `could not examine ${path}: ${err.message}`,
        });
        return 'error';
      })
      .finally(() => {
        this.examining.delete(path);
        if (this.examineAgain.delete(path)) void this.examine(path);
      });
    this.examining.set(path, p);
    return p;
  }

  private async examineNow(path: string): Promise<ExamineResult> {
    if (this.stopping) return 'skipped';
    if (this.active.has(path)) {
      this.changedWhileSyncing.add(path);
      return 'skipped';
    }
    const { journal } = this.deps;
    let layout: Awaited<ReturnType<typeof detectLayout>>;
    try {
      layout = await detectLayout(path);
    } catch (e) {
      if (!isSyncError(e)) throw e;
      if (e.category === 'not-ready') {
        const row = journal.getSweepByPath(path);
        if (row && row.state !== 'running') this.transition(row, 'running', e.message);
        return 'skipped';
      }
      return 'skipped'; // not a sweep, or gone
    }
    let name: string;
    try {
      name = validateSweepName(basename(path));
    } catch (e) {
      if (!this.known.has(path)) {
        this.known.set(path, { state: 'detected', nextRetryAt: null });
        this.emit({ type: 'warning', sweep: basename(path), message: toSyncError(e).message });
      }
      return 'skipped';
    }

    let row = journal.getSweepByPath(path);
    if (!row) {
      row = journal.upsertSweep({
        path,
        name,
        sweepType: layout.type,
        state: 'detected',
        stateReason: 'found',
      });
      journal.addEvent({
        level: 'info',
        kind: 'detected',
        sweepId: row.id,
        message: `${name}: found at ${path}`,
      });
      this.report(row, null);
    }

    switch (row.state) {
      case 'queued':
        this.enqueue(path);
        return 'queued';
      case 'syncing':
        // Not syncing in this process: left over by a crash (or by a `sync` command that died).
        this.enqueue(this.transition(row, 'queued', 'resumed after an interrupted attempt').path);
        return 'queued';
      case 'failed':
        if (!this.retryTimers.has(path)) this.scheduleRetry(row);
        return 'failed';
      case 'synced': {
        const check = await checkUnchanged(journal, row, path, layout, this.full);
        if (check.unchanged) return 'unchanged';
        break;
      }
      default:
        break;
    }

    const c = await assessCompletion(path, layout, { settleMs: this.settleMs, staleMs: this.staleMs });
    if (c.state === 'complete') {
      this.transition(row, 'queued', c.reason);
      this.enqueue(path);
      return 'queued';
    }
    if (c.state === 'running' && c.terminalSignal !== null && c.runningRows === 0) {
      this.transition(row, 'waiting', c.reason);
      this.scheduleSettle(path, c.lastModifiedMs + this.settleMs - Date.now() + 100);
      return 'waiting';
    }
    if (c.state === 'running') {
      this.transition(row, 'running', c.reason);
      return 'running';
    }
    // incomplete (crashed) or failed (bilancio marked the job failed): only on request.
    if (this.allowIncomplete.has(path)) {
      this.transition(row, 'queued', `${c.reason} (syncing as it stands, as requested)`);
      this.enqueue(path);
      return 'queued';
    }
    this.transition(row, 'incomplete', c.reason);
    return 'incomplete';
  }

  // ---- journal, pause and events ------------------------------------------------------------------

  /** Write a state to the journal (first), then report it. Unchanged states are not rewritten. */
  private transition(
    row: JournalSweep,
    state: SweepState,
    reason: string | null,
    options: { nextRetryAt?: string | null; lastError?: string | null } = {},
  ): JournalSweep {
    const current = this.deps.journal.getSweep(row.id) ?? row;
    const nextRetryAt = options.nextRetryAt ?? null;
    const volatile = state === 'running' || state === 'waiting' || state === 'syncing';
    if (
      current.state === state &&
      current.nextRetryAt === nextRetryAt &&
      (volatile || current.stateReason === reason) &&
      options.lastError === undefined
    ) {
      return current;
    }
    const updated = this.deps.journal.setState(row.id, state, reason, options);
    this.report(updated);
    return updated;
  }

  /** Emit a sweep-state event if the sweep's state (or retry time) differs from the last one reported. */
  private report(row: JournalSweep | null, previousOverride?: SweepState | null): void {
    if (!row) return;
    const before = this.known.get(row.path);
    if (before && before.state === row.state && before.nextRetryAt === row.nextRetryAt) return;
    this.known.set(row.path, { state: row.state, nextRetryAt: row.nextRetryAt });
    this.emit({
      type: 'sweep-state',
      sweep: row.name,
      path: row.path,
      state: row.state as WatchSweepState,
      previous:
        previousOverride !== undefined ? previousOverride : ((before?.state as WatchSweepState) ?? null),
      reason: row.stateReason,
      nextRetryAt: row.nextRetryAt,
      attempts: row.attempts,
    });
    this.emitQueueState();
  }

  private applyPause(info: PauseInfo | null, by: PausedBy | 'timer'): void {
    const same =
      (info === null && this.pause === null) ||
      (info !== null &&
        this.pause !== null &&
        info.since === this.pause.since &&
        info.until === this.pause.until);
    if (same) return;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.pause = info;
    if (info) {
      this.emit({ type: 'paused', pause: info });
      if (info.until) {
        this.pauseTimer = setTimeout(
          () => {
            clearPause(this.deps.journal, 'user');
            this.deps.journal.addEvent({ level: 'info', kind: 'resumed', message: 'timed pause ended' });
            this.applyPause(null, 'timer');
          },
          Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(info.until) - Date.now())),
        );
        this.pauseTimer.unref?.();
      }
    } else {
      this.emit({ type: 'resumed', by });
    }
    this.pump();
  }

  /** Pick up what other processes wrote: a pause or resume, retry requests (sweeps set to queued). */
  private pollJournal(): void {
    if (this.stopping) return;
    try {
      const { journal } = this.deps;
      const pause = readPause(journal);
      const wasPaused = this.pause !== null;
      this.applyPause(pause, pause?.by ?? 'user');
      if (pause && !wasPaused) {
        for (const a of this.active.values()) {
          a.controller.abort(new SyncError('transient', 'Syncing was paused; the sweep stays queued.'));
        }
      }
      this.allowIncomplete = new Set([...this.allowIncomplete, ...readAllowIncomplete(journal)]);
      for (const row of journal.listSweeps({ state: 'queued' })) {
        if (!this.isUnderRoots(row.path) || this.active.has(row.path) || this.queue.includes(row.path))
          continue;
        const t = this.retryTimers.get(row.path);
        if (t) clearTimeout(t);
        this.retryTimers.delete(row.path);
        this.report(row);
        this.enqueue(row.path);
      }
    } catch (e) {
      this.emit({ type: 'warning', message: `reading the journal: ${toSyncError(e).message}` });
    }
  }

  private dropAllowIncomplete(path: string): void {
    this.allowIncomplete.delete(path);
    const stored = readAllowIncomplete(this.deps.journal);
    if (stored.delete(path)) writeAllowIncomplete(this.deps.journal, stored);
  }

  private emitQueueState(): void {
    const names = (paths: Iterable<string>) =>
      [...paths].map((p) => this.deps.journal.getSweepByPath(p)?.name ?? basename(p));
    let waiting = 0;
    let failed = 0;
    for (const k of this.known.values()) {
      if (k.state === 'waiting') waiting++;
      if (k.state === 'failed') failed++;
    }
    const snapshot = {
      queued: names(this.queue),
      syncing: names(this.active.keys()),
      waiting,
      failed,
      paused: this.pause,
    };
    const key = JSON.stringify(snapshot);
    if (key === this.lastQueueState) return;
    this.lastQueueState = key;
    this.emit({ type: 'queue-state', ...snapshot });
  }
  private lastQueueState = '';

  private emit(e: EngineEvent): void {
    try {
      this.options.onEvent?.(e);
    } catch {
      // A listener's failure must never stop the queue.
    }
  }

  private isUnderRoots(path: string): boolean {
    return this.roots.some((r) => path.startsWith(r + sep));
  }
}

export type ExamineResult =
  | 'unchanged'
  | 'queued'
  | 'waiting'
  | 'running'
  | 'incomplete'
  | 'failed'
  | 'skipped'
  | 'error';
