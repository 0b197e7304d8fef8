/**
 * The application service: the one door every shell (CLI, browser mode, Electron) goes through. One
 * instance per app owns the lifecycle — configuration, journal, object store and catalog opened lazily
 * (Resources), the watcher it may host, the jobs it runs — and answers every command of the contract
 * (src/shared/commands.ts) as plain data: `invoke(name, request)` validates the request against the
 * command's schema (a bad one is a `usage` error naming the field), runs the handler, and answers
 * `{ ok: true, value }` or `{ ok: false, error }`. Events go out through one stream (`subscribe`).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ZodError } from 'zod';
import type { Bridge, SubscribeOptions } from '../../shared/bridge.js';
import {
  type CommandInput,
  type CommandName,
  type CommandRequest,
  type CommandResponse,
  commands,
  type Result,
  type SyncResultData,
  type Transfer,
} from '../../shared/commands.js';
import type { AppEventListener, EngineEvent } from '../../shared/events.js';
import type { AppConfig } from '../config/loadConfig.js';
import { TOOL_VERSION } from '../engine/version.js';
import type { AttemptFinish } from '../journal/AttemptsRepository.js';
import type { Journal } from '../journal/Journal.js';
import { SyncError, toSyncError } from '../model/errors.js';
import { typedSweepName } from '../model/keys.js';
import { restoreSweep } from '../restore/Restorer.js';
import { repairRemote } from '../restore/repair.js';
import { verifyRemote } from '../restore/verifyRemote.js';
import type { SecretStore } from '../secrets/SecretStore.js';
import { takeSweepTreePrefetch } from '../sweep/prefetchSweepTree.js';
import { acquireWatchLock, type InstanceLock } from '../watch/instanceLock.js';
import { clearPause, readPause, writePause } from '../watch/pause.js';
import { requestRetry } from '../watch/requests.js';
import { SweepStates } from '../watch/SweepStates.js';
import { syncRecorded } from '../watch/syncRecorded.js';
import { WatchService } from '../watch/WatchService.js';
import {
  comparisonRows,
  listRevisions,
  RowCache,
  registryRows,
  revisionSummary,
  searchSweeps,
  sweepDetail,
  sweepFiles,
} from './catalogViews.js';
import { describeDestinations } from './describe.js';
import { EventBus } from './EventBus.js';
import { JobRunner, progressOf } from './JobRunner.js';
import { Resources } from './Resources.js';
import { appliesLive, Settings } from './settings.js';
import { testConnection } from './testConnection.js';
import { attemptView, eventView, localSweep, queueFromJournal, stateCounts } from './views.js';

export interface AppServiceOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The desktop app's safeStorage store; headless shells use the keychain or a 0600 file. */
  secretStore?: SecretStore;
  /** Check every response against its schema too (the contract test does). */
  checkResponses?: boolean;
  /** Run the engine in its own process (shells with a window: browser mode, the desktop app). */
  offloadEngine?: boolean;
}

export interface WatchOptions {
  /** Experiments folders; default: the configured watched folders. */
  roots?: string[];
  /** Include run data; default: the include-run-data setting. */
  full?: boolean;
  /** Sync finished sweeps by themselves; default: the auto-sync setting. */
  autoSync?: boolean;
  settleMs?: number;
  concurrency?: number;
  reconcileIntervalMs?: number;
  /** File events (default true); off: start-up scan only (`watch --once`). */
  watch?: boolean;
  journalPollMs?: number;
}

type Handlers = { [N in CommandName]: (input: CommandInput<N>) => Promise<CommandResponse<N>> };

export class AppService implements Bridge {
  readonly bus = new EventBus();
  private readonly jobs = new JobRunner(this.bus);
  private readonly resources: Resources;
  private readonly settings: Settings;
  private readonly rowCache = new RowCache();
  private states: SweepStates | null = null;
  private watcher: {
    service: WatchService;
    lock: InstanceLock;
    options: WatchOptions;
    /** Watching the configured folders (so a change of them restarts it), not roots given by a shell. */
    followsSettings: boolean;
  } | null = null;
  /** Progress of syncs the watcher runs (jobs keep their own). */
  private readonly watchTransfers = new Map<string, Transfer>();
  private readonly handlers: Handlers;

  constructor(private readonly options: AppServiceOptions = {}) {
    this.resources = new Resources(options);
    this.settings = new Settings(this.resources);
    this.handlers = this.makeHandlers();
  }

  // ---- the contract ---------------------------------------------------------------------------------

  async invoke<N extends CommandName>(
    name: N,
    request: CommandRequest<N>,
  ): Promise<Result<CommandResponse<N>>> {
    try {
      const spec = commands[name] as (typeof commands)[CommandName] | undefined;
      if (!spec)
        throw new SyncError('usage', `There is no command "${String(name)}".`, undefined, {
          code: 'unknown-command',
        });
      const parsed = spec.request.safeParse(request ?? {});
      if (!parsed.success) throw requestError(name, parsed.error);
      const handler = this.handlers[name] as (input: unknown) => Promise<unknown>;
      const value = await handler(withTypedSweepNames(parsed.data));
      if (this.options.checkResponses) {
        const checked = spec.response.safeParse(value);
        if (!checked.success) {
          throw new SyncError(
            'internal',
            `The answer to ${name} breaks its schema: ${describeZod(checked.error)}`,
          );
        }
      }
      return { ok: true, value: value as CommandResponse<N> };
    } catch (e) {
      return { ok: false, error: toSyncError(e).toAppError() };
    }
  }

  /** Like invoke, but throws the error (as a SyncError) — for shells written as plain async code. */
  async call<N extends CommandName>(name: N, request: CommandRequest<N>): Promise<CommandResponse<N>> {
    const r = await this.invoke(name, request);
    if (!r.ok) throw SyncError.fromAppError(r.error);
    return r.value;
  }

  subscribe(listener: AppEventListener, options?: SubscribeOptions): () => void {
    return this.bus.subscribe(listener, options);
  }

  // ---- hosting the watcher (watch mode, the browser mode, the desktop app) ---------------------------

  /** Start watching; one watcher per journal on this machine (a lock file in the data folder). */
  async startWatching(options: WatchOptions = {}): Promise<WatchService> {
    if (this.watcher) throw new SyncError('conflict', 'This app is already watching.');
    const config = await this.resources.config();
    const roots = (options.roots ?? config.watchedFolders).map((r) => resolve(r));
    if (roots.length === 0) {
      throw new SyncError(
        'usage',
        'No folder to watch.',
        { text: 'Add an experiments folder to watch.' },
        { code: 'no-watched-folder' },
      );
    }
    const lock = acquireWatchLock(config.paths.dataDir);
    try {
      const engine = await this.resources.engine();
      const journal = this.resources.journal(config);
      const service = new WatchService(
        { engine, journal, states: this.sweepStates(journal) },
        {
          roots,
          full: options.full ?? config.includeRunData,
          autoSync: options.autoSync ?? config.autoSync,
          settleMs: options.settleMs ?? config.settleMs,
          concurrency: options.concurrency ?? 1,
          reconcileIntervalMs: options.reconcileIntervalMs,
          watch: options.watch,
          journalPollMs: options.journalPollMs,
          onEvent: (e) => this.onWatchEvent(e),
        },
      );
      this.watcher = {
        service,
        lock,
        options: { ...options, roots },
        followsSettings: options.roots === undefined,
      };
      await service.start();
      return service;
    } catch (e) {
      this.watcher = null;
      lock.release();
      throw e;
    }
  }

  async stopWatching(reason = 'stopped'): Promise<void> {
    const w = this.watcher;
    if (!w) return;
    this.watcher = null;
    try {
      await w.service.stop(reason);
    } finally {
      w.lock.release();
      this.watchTransfers.clear();
    }
  }

  get watching(): WatchService | null {
    return this.watcher?.service ?? null;
  }

  /** Stop everything: jobs cancelled (nothing left behind), watcher stopped, journal closed. */
  async close(): Promise<void> {
    await this.jobs.cancelAll();
    await this.stopWatching('closing');
    await this.resources.close();
  }

  // ---- internals ------------------------------------------------------------------------------------

  private sweepStates(journal: Journal): SweepStates {
    if (!this.states || this.states.journal !== journal) this.states = new SweepStates(journal);
    return this.states;
  }

  private onWatchEvent(e: EngineEvent): void {
    if (e.type === 'progress') this.watchTransfers.set(e.sweep, progressOf(null, 'sync', null, e));
    if (e.type === 'sync-finished' || e.type === 'sync-failed') this.watchTransfers.delete(e.sweep);
    if (e.type === 'sync-finished') this.rowCache.clear();
    this.bus.emit(e);
  }

  private async config(): Promise<AppConfig> {
    return this.resources.config();
  }

  /** The journal if there is one (status must not create one, nor need any destination). */
  private async journalIfAny(): Promise<Journal | null> {
    const config = await this.config();
    return existsSync(config.journalPath) || this.watcher ? this.resources.journal(config) : null;
  }

  private async journal(): Promise<Journal> {
    return this.resources.journal(await this.config());
  }

  private makeHandlers(): Handlers {
    return {
      'app.info': async () => ({ name: 'Bilancio Sync', version: TOOL_VERSION, platform: process.platform }),

      'status.overview': async ({ recent }) => {
        const config = await this.config();
        const journal = await this.journalIfAny();
        const sweeps = journal?.sweeps.list() ?? [];
        const events = journal?.events.recent({ limit: Math.max(recent, 50) }) ?? [];
        return {
          destinations: describeDestinations(config),
          pause: this.watcher?.service.paused ?? (journal ? readPause(journal) : null),
          watching: this.watcher?.options.roots ?? [],
          counts: stateCounts(sweeps),
          transfers: [
            ...this.jobs.running.flatMap((j) => (j.progress ? [j.progress] : [])),
            ...this.watchTransfers.values(),
          ],
          sweeps: sweeps.map(localSweep),
          lastResults: journal
            ? journal.attempts.list({ limit: recent }).map((a) => attemptView(journal, a))
            : [],
          warnings: journal
            ? events
                .filter((e) => e.level !== 'info')
                .slice(0, recent)
                .map((e) => eventView(journal, e))
            : [],
          events: journal ? events.slice(0, recent).map((e) => eventView(journal, e)) : [],
          autoSync: this.watcher?.service.autoSync ?? config.autoSync,
        };
      },

      'queue.get': async () => {
        if (this.watcher) {
          const { service } = this.watcher;
          return { watching: true, ...service.snapshot(), autoSync: service.autoSync };
        }
        const config = await this.config();
        const journal = await this.journalIfAny();
        const q = queueFromJournal(journal?.sweeps.list() ?? [], config.settleMs);
        const held = !config.autoSync;
        return { ...q, queued: q.queued.map((s) => ({ ...s, held })), autoSync: config.autoSync };
      },

      'history.list': async ({ sweep, kind, result, limit, offset }) => {
        const journal = await this.journalIfAny();
        if (!journal) return { items: [], total: 0 };
        const filter = { sweepName: sweep, kind, result };
        return {
          items: journal.attempts.list({ ...filter, limit, offset }).map((a) => attemptView(journal, a)),
          total: journal.attempts.count(filter),
        };
      },

      'sweeps.search': async (q) =>
        searchSweeps(await this.resources.catalog(), (await this.config()).owner, q),

      'sweeps.get': async (q) =>
        sweepDetail(
          await this.resources.store(),
          () => this.resources.catalog(),
          await this.journalIfAny(),
          (await this.config()).owner,
          q,
        ),

      'sweeps.files': async (q) => sweepFiles(await this.resources.store(), q),

      'sweeps.revisions': async ({ name }) => ({
        name,
        revisions: (await listRevisions(await this.resources.store(), name)).map(revisionSummary),
      }),

      'sweeps.comparisonRows': async (q) =>
        comparisonRows(await this.resources.catalog(), this.rowCache, (await this.config()).owner, q),

      'sweeps.registryRows': async (q) =>
        registryRows(await this.resources.catalog(), this.rowCache, (await this.config()).owner, q),

      'sync.start': async (q) => {
        const path = resolve(q.path);
        // The folder's walk the CLI began on a worker as it started (prefetchSweepTree.ts); an engine in
        // a process of its own walks the folder there.
        const prefetched = this.resources.options.offloadEngine ? undefined : takeSweepTreePrefetch(path);
        const config = await this.config();
        const engine = await this.resources.engine();
        const journal = await this.journal();
        const states = this.sweepStates(journal);
        const jobId = this.jobs.start(
          'sync',
          q.name ?? path.split(/[\\/]/).pop() ?? path,
          path,
          async (ctx) => {
            const result = await syncRecorded({ engine, journal, states }, path, {
              name: q.name,
              type: q.type,
              full: q.full ?? config.includeRunData,
              dryRun: q.dryRun,
              allowIncomplete: q.allowIncomplete,
              waitForSettle: q.waitForSettle,
              signal: ctx.signal,
              onEvent: ctx.emit,
              prefetched,
            });
            if (result.result === 'synced') this.rowCache.clear();
            return plainSyncResult(result);
          },
        );
        return { jobId };
      },

      'sync.now': async ({ path }) => {
        if (!this.watcher) {
          throw new SyncError(
            'not-ready',
            'Nothing is being watched here, so there is no queue to sync now.',
            { text: 'Add an experiments folder to watch, or sync one sweep folder.' },
            { code: 'not-watching' },
          );
        }
        const queued = await this.watcher.service.syncNow(path === undefined ? undefined : resolve(path));
        return { watching: true, queued };
      },

      'sync.pause': async ({ forMs, reason }) => {
        if (this.watcher) return { pause: this.watcher.service.pauseSyncing({ by: 'user', forMs, reason }) };
        const journal = await this.journal();
        const pause = writePause(journal, { by: 'user', forMs, reason });
        journal.events.add({
          level: 'info',
          kind: 'paused',
          message: `syncing paused by the user${pause.until ? ` until ${pause.until}` : ''}`,
        });
        this.bus.emit({ type: 'paused', pause });
        return { pause };
      },

      'sync.resume': async () => {
        if (this.watcher) {
          const was = this.watcher.service.paused !== null;
          this.watcher.service.resumeSyncing('user');
          return { resumed: was };
        }
        const journal = await this.journal();
        const was = readPause(journal);
        clearPause(journal, 'user');
        if (was) {
          journal.events.add({ level: 'info', kind: 'resumed', message: 'syncing resumed by the user' });
          this.bus.emit({ type: 'resumed', by: 'user' });
        }
        return { resumed: was !== null };
      },

      'sync.retry': async ({ sweep, allowIncomplete }) => {
        const row = this.watcher
          ? this.watcher.service.retry(sweep, { allowIncomplete })
          : requestRetry(this.sweepStates(await this.journal()), sweep, { allowIncomplete });
        return { sweep: localSweep(row) };
      },

      'restore.start': async (q) => {
        const store = await this.resources.store();
        const journal = await this.journal();
        const target = resolve(q.target);
        const jobId = this.jobs.start('restore', q.sweep, target, (ctx) =>
          recordAttempt(
            journal,
            { kind: 'restore', sweep: q.sweep, revision: q.revision, target },
            ctx.signal,
            async () => {
              const result = await restoreSweep(store, q.sweep, target, {
                revision: q.revision,
                overwrite: q.overwrite,
                select: q.what,
                signal: ctx.signal,
                onEvent: ctx.emit,
              });
              return {
                value: result,
                outcome: {
                  result: 'restored',
                  bytes: result.bytes,
                  objects: result.files,
                  revision: result.revision,
                  warnings: result.warnings,
                },
              };
            },
          ),
        );
        return { jobId };
      },

      'verify.start': async (q) => {
        if (q.repair && !q.deep) {
          throw new SyncError(
            'usage',
            'A repair needs a deep verify (every object downloaded and hashed).',
            'Use verify --deep --repair.',
            { code: 'request-invalid', field: 'repair' },
          );
        }
        const store = await this.resources.store();
        const journal = await this.journal();
        const jobId = this.jobs.start('verify', q.sweep, null, (ctx) =>
          recordAttempt(
            journal,
            { kind: 'verify', sweep: q.sweep, revision: q.revision },
            ctx.signal,
            async () => {
              const report = await verifyRemote(store, q.sweep, {
                revision: q.revision,
                deep: q.deep,
                signal: ctx.signal,
                onEvent: ctx.emit,
              });
              if (q.repair && report.problems.length > 0) {
                const config = await this.resources.config();
                report.repairs = await repairRemote(
                  store,
                  q.sweep,
                  q.path ? resolve(q.path) : (journal.sweeps.byName(q.sweep)?.path ?? null),
                  report,
                  {
                    compressionLevel: config.compressionLevel,
                    lockDir: config.paths.dataDir,
                    sourceHost: config.sourceHost,
                    signal: ctx.signal,
                    onEvent: ctx.emit,
                  },
                );
              }
              const repaired = new Set(
                report.repairs?.filter((r) => r.result === 'repaired').map((r) => r.key),
              );
              const left = report.problems.filter((p) => !repaired.has(p.key));
              const damaged = left
                .slice(0, 3)
                .map((p) => `${p.key} (${p.problem})`)
                .join('; ');
              return {
                value: report,
                outcome: {
                  result: left.length === 0 ? 'verified' : 'failed',
                  bytes: report.bytes,
                  objects: report.objects,
                  revision: report.revision,
                  error:
                    left.length === 0
                      ? null
                      : `${left.length} object(s) don't match the manifest: ${damaged}`,
                },
              };
            },
          ),
        );
        return { jobId };
      },

      'jobs.list': async () => ({ jobs: this.jobs.list() }),
      'jobs.get': async ({ jobId }) => this.jobs.get(jobId),
      'jobs.wait': async ({ jobId }) => this.jobs.wait(jobId),
      'jobs.cancel': async ({ jobId }) => ({ cancelled: await this.jobs.cancel(jobId) }),

      'settings.get': async () => this.settings.view(),
      'settings.validate': async ({ changes }) => this.settings.validate(changes),
      'settings.save': async ({ changes }) => {
        const changed = await this.settings.save(changes);
        if (appliesLive(changes)) {
          if (changes.autoSync !== undefined) {
            this.watcher?.service.setAutoSync((await this.resources.config()).autoSync);
          }
        } else {
          this.rowCache.clear();
          // The destinations were closed for the new settings: a hosted watcher starts again on them.
          await this.restartWatcher('the settings changed');
        }
        this.bus.emit({ type: 'settings-changed', changed });
        return this.settings.view();
      },
      'settings.test': async ({ changes }) => ({
        checks: await testConnection(await this.settings.draftConfig(changes)),
      }),

      'folders.list': async () => ({ folders: await this.settings.watchedFolders() }),
      'folders.add': async ({ path }) => {
        const abs = resolve(path);
        let isDir = false;
        try {
          isDir = statSync(abs).isDirectory();
        } catch {
          // reported below
        }
        if (!isDir) {
          throw new SyncError(
            'usage',
            `${abs} is not a folder.`,
            { text: 'Choose the experiments folder bilancio writes to.' },
            {
              code: 'not-a-folder',
              field: 'path',
            },
          );
        }
        const folders = [...new Set([...(await this.settings.watchedFolders()), abs])];
        return this.changeFolders(folders);
      },
      'folders.remove': async ({ path }) => {
        const abs = resolve(path);
        const before = await this.settings.watchedFolders();
        if (!before.includes(abs)) {
          throw new SyncError('not-found', `${abs} is not a watched folder.`, undefined, {
            code: 'folder-not-watched',
            field: 'path',
          });
        }
        return this.changeFolders(before.filter((f) => f !== abs));
      },

      // Answered by a shell with a native dialog (the desktop app's main process) before it gets here.
      'dialog.pickFolder': async () => {
        throw new SyncError(
          'usage',
          'There is no folder picker here: only the desktop app can show one.',
          { text: "Type or paste the folder's path instead." },
          { code: 'no-folder-picker' },
        );
      },
      'events.since': async ({ after }) => this.bus.since(after),
    };
  }

  /** Stop a hosted watcher and start it again with the same options (new settings or folders). */
  private async restartWatcher(reason: string): Promise<void> {
    const w = this.watcher;
    if (!w) return;
    await this.stopWatching(reason);
    await this.startWatching(w.followsSettings ? { ...w.options, roots: undefined } : w.options);
  }

  /** Save the watched folders; a hosted watcher restarts on the new ones. */
  private async changeFolders(folders: string[]): Promise<{ folders: string[] }> {
    await this.settings.setWatchedFolders(folders);
    this.bus.emit({ type: 'folders-changed', folders });
    const w = this.watcher;
    if (w?.followsSettings) {
      await this.stopWatching('the watched folders changed');
      if (folders.length > 0) await this.startWatching({ ...w.options, roots: undefined });
    }
    return { folders };
  }
}

function plainSyncResult(r: Awaited<ReturnType<typeof syncRecorded>>): SyncResultData {
  return {
    sweep: r.sweep,
    path: r.path,
    result: r.result,
    revision: r.revision,
    full: r.full,
    bytesUploaded: r.bytesUploaded,
    objectsUploaded: r.objectsUploaded,
    objectsReused: r.objectsReused,
    warnings: r.warnings,
    durationMs: r.durationMs,
    objects: r.objects,
  };
}

/** A restore or verify as a history entry: started, then finished with its outcome, failure or abort. */
async function recordAttempt<T>(
  journal: Journal,
  what: { kind: 'restore' | 'verify'; sweep: string; revision?: number; target?: string },
  signal: AbortSignal,
  run: () => Promise<{ value: T; outcome: AttemptFinish }>,
): Promise<T> {
  // History, not sync state: recorded without waiting for the disk (Journal.withoutWaitingForDisk).
  const attempt = journal.withoutWaitingForDisk(() =>
    journal.attempts.start({
      kind: what.kind,
      sweepId: journal.sweeps.byName(what.sweep)?.id ?? null,
      sweepName: what.sweep,
      revision: what.revision ?? null,
      target: what.target ?? null,
    }),
  );
  try {
    const { value, outcome } = await run();
    journal.withoutWaitingForDisk(() => journal.attempts.finish(attempt, outcome));
    return value;
  } catch (e) {
    // A cancel is no failure: recorded as aborted with no error text (whatever the operation threw
    // while winding down is not something to show as an error).
    journal.withoutWaitingForDisk(() =>
      journal.attempts.finish(attempt, {
        result: signal.aborted ? 'aborted' : 'failed',
        error: signal.aborted ? null : toSyncError(e).message,
      }),
    );
    throw e;
  }
}

/**
 * The request fields that hold a sweep's name (`sweep`, `name`) or part of one (a search's `query`) in
 * the contract's commands. Names come in here, and only here, from every shell: looked up in NFC, as sync
 * stores them, whatever form the user's terminal or clipboard sent.
 */
const SWEEP_NAME_FIELDS = ['sweep', 'name', 'query'] as const;

function withTypedSweepNames(request: unknown): unknown {
  if (!request || typeof request !== 'object') return request;
  let out = request as Record<string, unknown>;
  for (const field of SWEEP_NAME_FIELDS) {
    const value = out[field];
    if (typeof value === 'string' && typedSweepName(value) !== value)
      out = { ...out, [field]: typedSweepName(value) };
  }
  return out;
}

function describeZod(error: ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ');
}

function requestError(name: string, error: ZodError): SyncError {
  const first = error.issues[0];
  // zod reports an unknown key at its parent's path, the key itself in `keys`.
  const path = first
    ? [...first.path, ...(first.code === 'unrecognized_keys' ? first.keys.slice(0, 1) : [])]
    : [];
  const field = path.join('.') || undefined;
  return new SyncError('usage', `Invalid request for ${name}: ${describeZod(error)}`, undefined, {
    code: 'request-invalid',
    field,
  });
}
