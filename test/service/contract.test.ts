/**
 * The contract, command by command, against real data: a generated balanced sweep synced into the
 * embedded default (local folder store + SQLite catalog) in a temp home. For every command of
 * src/shared/commands.ts a valid request answers `ok: true` with a value its response schema accepts,
 * and an invalid one answers a `usage` error naming the offending field. The cases are a map over every
 * command name, so a command added to the contract without a case here doesn't compile. Also: every event
 * the service emits passes the event schema, in sequence, with its job id; every progress phase shows up;
 * and comparison rows sort by numeric value, not by text.
 */
import { mkdtemp, readdir, readFile, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AppService } from '../../src/core/service/AppService.js';
import {
  COMMAND_NAMES,
  type CommandName,
  type CommandRequest,
  type CommandResponse,
  commands,
} from '../../src/shared/commands.js';
import { appErrorSchema } from '../../src/shared/errors.js';
import { type AppEvent, appEventSchema, type JobKind, PROGRESS_PHASES } from '../../src/shared/events.js';
import { type GeneratedSweep, generateSweep } from '../fixtures/generator.js';
import { hashTree } from '../support/tree.js';

const SWEEP = 'contract-balanced';
const CRASHED = 'contract-crashed';
const PAIRS = 6;

interface Case<N extends CommandName> {
  /** The valid request; may prepare what it needs first (and assert on the way). */
  valid: () => Promise<CommandRequest<N>>;
  /** Checks on the answer besides its schema. */
  check?: (value: CommandResponse<N>) => Promise<void> | void;
  /** The service itself refuses even a valid request (a shell answers it): the error's code. */
  refusedWith?: string;
  /** Runs after the valid request, whatever it answered. */
  cleanup?: () => Promise<void>;
  /** A request with one bad field, and that field's path as the error must name it. */
  invalid: { request: Record<string, unknown>; field: string };
}
type Cases = { [N in CommandName]: Case<N> };

/** Set every file's and folder's times `seconds` into the past (a sweep nobody wrote to for that long). */
async function ageTree(dir: string, seconds: number): Promise<void> {
  const t = new Date(Date.now() - seconds * 1000);
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    await utimes(join(e.parentPath, e.name), t, t);
  }
  await utimes(dir, t, t);
}

describe('the application service contract', () => {
  let work: string;
  let home: string;
  let experiments: string;
  let service: AppService;
  let sweep: GeneratedSweep;
  let sourceHashes: Map<string, string>;
  let comparison: Array<Record<string, string>>;
  let syncJobId: string;
  const events: AppEvent[] = [];
  /** Seq ranges during which this service hosted a watcher (its syncs carry no job id). */
  const watchWindows: Array<{ from: number; to: number }> = [];
  let unsubscribe: () => void = () => {};

  const wait = async (jobId: string) => service.call('jobs.wait', { jobId });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-contract-'));
    home = join(work, 'home');
    experiments = join(work, 'experiments');
    const env = {
      BILANCIO_SYNC_HOME: home,
      BILANCIO_SYNC_SETTLE_SECONDS: '0',
      BILANCIO_SYNC_SECRETS: 'file',
    };
    service = new AppService({ env, cwd: work, checkResponses: true });
    unsubscribe = service.subscribe((e) => events.push(e));

    sweep = await generateSweep({ root: experiments, name: SWEEP, type: 'balanced', pairs: PAIRS });
    sourceHashes = await hashTree(sweep.dir);
    comparison = parse(await readFile(join(sweep.dir, 'aggregate', 'comparison.csv')), {
      columns: true,
    }) as Array<Record<string, string>>;
    const started = await service.call('sync.start', { path: sweep.dir, full: true });
    syncJobId = started.jobId;
    const synced = await wait(syncJobId);
    expect(synced.error).toBeNull();
    expect(synced.state).toBe('succeeded');

    // A crashed sweep (outside the watched experiments folder), quiet for an hour: its sync is refused
    // as not ready and the journal records it as incomplete — what `sync.retry` acts on.
    const crashed = await generateSweep({
      root: join(work, 'crashed'),
      name: CRASHED,
      type: 'balanced',
      pairs: 2,
      state: 'crashed',
    });
    await ageTree(crashed.dir, 3600);
    const refused = await wait((await service.call('sync.start', { path: crashed.dir, full: true })).jobId);
    expect(refused.state).toBe('failed');
    expect(refused.error?.category).toBe('not-ready');
  });

  afterAll(async () => {
    unsubscribe();
    await service?.close();
    await rm(work, { recursive: true, force: true });
  });

  let watchedFolder: string;
  let cancelledJobId: string;

  const cases: Cases = {
    'app.info': {
      valid: async () => ({}),
      check: (v) => {
        expect(v.name).toBe('Bilancio Sync');
        expect(v.version).not.toBe('');
        expect(v.platform).toBe(process.platform);
      },
      invalid: { request: { bogus: 1 }, field: 'bogus' },
    },
    'status.overview': {
      valid: async () => ({ recent: 5 }),
      check: (v) => {
        expect(v.destinations.objectStore.kind).toBe('local');
        expect(v.destinations.catalog.kind).toBe('sqlite');
        expect(v.pause).toBeNull();
        expect(v.watching).toEqual([]);
        const byName = new Map(v.sweeps.map((s) => [s.name, s]));
        expect(byName.get(SWEEP)?.state).toBe('synced');
        expect(byName.get(CRASHED)?.state).toBe('incomplete');
        expect(v.counts.synced).toBe(1);
        expect(v.counts.incomplete).toBe(1);
        expect(v.lastResults.length).toBeGreaterThan(0);
        expect(v.lastResults.length).toBeLessThanOrEqual(5);
      },
      invalid: { request: { recent: 'ten' }, field: 'recent' },
    },
    'queue.get': {
      valid: async () => ({}),
      check: (v) => {
        expect(v.watching).toBe(false);
        expect(v.incomplete.map((s) => s.name)).toEqual([CRASHED]);
        expect(v.queued).toEqual([]);
        expect(v.syncing).toEqual([]);
      },
      invalid: { request: { bogus: 1 }, field: 'bogus' },
    },
    'history.list': {
      valid: async () => ({ sweep: SWEEP, kind: 'sync', limit: 10 }),
      check: (v) => {
        expect(v.total).toBeGreaterThanOrEqual(1);
        expect(v.items.length).toBe(v.total);
        expect(v.items.every((a) => a.sweep === SWEEP && a.kind === 'sync')).toBe(true);
        expect(v.items.some((a) => a.result === 'synced' && a.revision === 1)).toBe(true);
      },
      invalid: { request: { limit: 'ten' }, field: 'limit' },
    },
    'sweeps.search': {
      valid: async () => ({ query: 'contract' }),
      check: (v) => {
        expect(v.items.map((s) => s.name)).toEqual([SWEEP]);
        expect(v.total).toBe(1);
        expect(v.items[0]!.pairsTotal).toBe(PAIRS);
        expect(v.items[0]!.sweepType).toBe('balanced');
      },
      invalid: { request: { allOwners: 'yes' }, field: 'allOwners' },
    },
    'sweeps.get': {
      valid: async () => ({ name: SWEEP }),
      check: (v) => {
        expect(v.name).toBe(SWEEP);
        expect(v.catalogError).toBeNull();
        expect(v.catalog?.name).toBe(SWEEP);
        expect(v.revision).toBe(1);
        expect(v.revisions.map((r) => r.revision)).toEqual([1]);
        expect(v.fileCount).toBe(sweep.files.length);
        expect(v.fileBytes).toBeGreaterThan(0);
        expect(v).not.toHaveProperty('files');
        expect([...v.branches].sort()).toEqual(['active', 'passive']);
        expect(v.local?.state).toBe('synced');
      },
      invalid: { request: { name: SWEEP, revision: 'latest' }, field: 'revision' },
    },
    'sweeps.files': {
      valid: async () => ({ name: SWEEP, limit: 10_000 }),
      check: (v) => {
        expect(v.revision).toBe(1);
        expect(v.total).toBe(sweep.files.length);
        expect(v.files.map((f) => f.path)).toEqual([...sweep.files].sort());
        expect(new Map(v.files.map((f) => [f.path, f.sha256]))).toEqual(sourceHashes);
        expect(v.files.some((f) => f.object.endsWith('/passive.tar.gz'))).toBe(true);
      },
      invalid: { request: { name: SWEEP, offset: -1 }, field: 'offset' },
    },
    'sweeps.revisions': {
      valid: async () => ({ name: SWEEP }),
      check: (v) => {
        expect(v.name).toBe(SWEEP);
        expect(v.revisions).toHaveLength(1);
        expect(v.revisions[0]!.full).toBe(true);
        expect(v.revisions[0]!.files).toBe(sweep.files.length);
        expect(v.revisions[0]!.comparisonRows).toBe(PAIRS);
      },
      invalid: { request: { name: 5 }, field: 'name' },
    },
    'sweeps.comparisonRows': {
      valid: async () => ({
        sweep: SWEEP,
        sort: { column: 'dealer_total_pnl', direction: 'desc' },
        filters: [{ column: 'kappa', op: 'ge', value: '1' }],
      }),
      check: (v) => {
        const expected = comparison.filter((r) => Number(r.kappa) >= 1);
        expect(expected.length).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(PAIRS);
        expect(v.total).toBe(expected.length);
        expect(v.rows).toHaveLength(expected.length);
        expect(v.columns).toEqual(Object.keys(comparison[0]!));
        expect(v.rows.every((r) => Number(r.kappa) >= 1)).toBe(true);
        const pnl = v.rows.map((r) => Number(r.dealer_total_pnl));
        expect(pnl).toEqual(expected.map((r) => Number(r.dealer_total_pnl)).sort((a, b) => b - a));
      },
      invalid: {
        request: { sweep: SWEEP, sort: { column: 'kappa', direction: 'up' } },
        field: 'sort.direction',
      },
    },
    'sweeps.registryRows': {
      valid: async () => ({ sweep: SWEEP, sort: { column: 'run_id' }, limit: 5 }),
      check: (v) => {
        expect(v.total).toBe(PAIRS * 2);
        expect(v.rows).toHaveLength(5);
        for (const c of ['run_id', 'branch', 'status']) expect(v.columns).toContain(c);
        const ids = v.rows.map((r) => r.run_id ?? '');
        expect(ids).toEqual([...ids].sort((a, b) => a.localeCompare(b)));
        expect(new Set(v.rows.map((r) => r.status))).toEqual(new Set(['completed']));
      },
      invalid: {
        request: { sweep: SWEEP, filters: [{ column: 'status', op: 'like', value: 'x' }] },
        field: 'filters.0.op',
      },
    },
    'sync.start': {
      valid: async () => ({ path: sweep.dir, full: true }),
      check: async (v) => {
        const job = await wait(v.jobId);
        expect(job.state).toBe('succeeded');
        expect(job.kind).toBe('sync');
        expect(job.result?.kind).toBe('sync');
        // Nothing changed since the first sync: nothing to upload.
        if (job.result?.kind === 'sync') {
          expect(job.result.value.result).toBe('noop');
          expect(job.result.value.bytesUploaded).toBe(0);
        }
      },
      invalid: { request: { path: join(tmpdir(), 'a-sweep'), full: 'yes' }, field: 'full' },
    },
    'sync.now': {
      valid: async () => {
        // Not watching: the documented not-ready answer (a valid request, not a usage error).
        const idle = await service.invoke('sync.now', {});
        expect(idle.ok).toBe(false);
        if (!idle.ok) {
          expect(appErrorSchema.safeParse(idle.error).success).toBe(true);
          expect(idle.error.category).not.toBe('usage');
          expect(idle.error.category).toBe('not-ready');
          expect(idle.error.code).toBe('not-watching');
        }
        const from = service.bus.lastSeq + 1;
        await service.startWatching({ roots: [experiments], watch: false, journalPollMs: 0, settleMs: 0 });
        watchWindows.push({ from, to: Number.POSITIVE_INFINITY });
        return {};
      },
      check: async (v) => {
        expect(v.watching).toBe(true);
        expect(Array.isArray(v.queued)).toBe(true);
        // The only sweep there is synced and unchanged.
        expect(v.queued).toEqual([]);
      },
      cleanup: async () => {
        await service.stopWatching('contract test');
        const w = watchWindows[watchWindows.length - 1];
        if (w) w.to = service.bus.lastSeq;
      },
      invalid: { request: { path: 5 }, field: 'path' },
    },
    'sync.pause': {
      valid: async () => ({ forMs: 60_000, reason: 'contract test' }),
      check: (v) => {
        expect(v.pause.by).toBe('user');
        expect(v.pause.reason).toBe('contract test');
        expect(v.pause.until).not.toBeNull();
        expect(Date.parse(v.pause.until!) - Date.parse(v.pause.since)).toBeGreaterThanOrEqual(59_000);
      },
      invalid: { request: { forMs: 'soon' }, field: 'forMs' },
    },
    'sync.resume': {
      valid: async () => ({}),
      check: (v) => expect(v.resumed).toBe(true),
      invalid: { request: { bogus: 1 }, field: 'bogus' },
    },
    'sync.retry': {
      valid: async () => {
        // Without allowIncomplete a crashed sweep is refused (not ready), with a hint to sync it as it stands.
        const refused = await service.invoke('sync.retry', { sweep: CRASHED });
        expect(refused.ok).toBe(false);
        if (!refused.ok) {
          expect(refused.error.category).toBe('not-ready');
          expect(refused.error.code).toBe('sweep-incomplete');
          expect(refused.error.hint?.action).toEqual({ kind: 'sync-as-it-stands', sweep: CRASHED });
        }
        return { sweep: CRASHED, allowIncomplete: true };
      },
      check: (v) => {
        expect(v.sweep.name).toBe(CRASHED);
        expect(v.sweep.state).toBe('queued');
      },
      invalid: { request: { sweep: CRASHED, allowIncomplete: 1 }, field: 'allowIncomplete' },
    },
    'restore.start': {
      valid: async () => ({ sweep: SWEEP, target: await mkdtemp(join(work, 'restore-')) }),
      check: async (v) => {
        const job = await wait(v.jobId);
        expect(job.error).toBeNull();
        expect(job.state).toBe('succeeded');
        expect(job.result?.kind).toBe('restore');
        if (job.result?.kind !== 'restore') return;
        expect(job.result.value.files).toBe(sweep.files.length);
        expect(job.result.value.revision).toBe(1);
        expect(await hashTree(job.result.value.outputPath)).toEqual(sourceHashes);
      },
      invalid: {
        request: { sweep: SWEEP, target: join(tmpdir(), 'never'), overwrite: 'no' },
        field: 'overwrite',
      },
    },
    'verify.start': {
      valid: async () => ({ sweep: SWEEP, deep: true }),
      check: async (v) => {
        const job = await wait(v.jobId);
        expect(job.error).toBeNull();
        expect(job.state).toBe('succeeded');
        expect(job.result?.kind).toBe('verify');
        if (job.result?.kind !== 'verify') return;
        expect(job.result.value.deep).toBe(true);
        expect(job.result.value.problems).toEqual([]);
        expect(job.result.value.objects).toBeGreaterThan(0);
      },
      invalid: { request: { sweep: SWEEP, deep: 'yes' }, field: 'deep' },
    },
    'jobs.list': {
      valid: async () => ({}),
      check: (v) => {
        const ids = v.jobs.map((j) => j.id);
        expect(ids).toContain(syncJobId);
        expect(v.jobs.every((j) => j.state !== 'running')).toBe(true);
        expect(new Set(v.jobs.map((j) => j.kind))).toEqual(new Set(['sync', 'restore', 'verify']));
      },
      invalid: { request: { bogus: 1 }, field: 'bogus' },
    },
    'jobs.get': {
      valid: async () => ({ jobId: syncJobId }),
      check: (v) => {
        expect(v.id).toBe(syncJobId);
        expect(v.kind).toBe('sync');
        expect(v.sweep).toBe(SWEEP);
        expect(v.state).toBe('succeeded');
        expect(v.finishedAt).not.toBeNull();
        expect(v.result?.kind).toBe('sync');
        if (v.result?.kind === 'sync') expect(v.result.value.result).toBe('synced');
      },
      invalid: { request: { jobId: 5 }, field: 'jobId' },
    },
    'jobs.wait': {
      valid: async () => ({ jobId: syncJobId }),
      check: (v) => {
        expect(v.id).toBe(syncJobId);
        expect(v.state).toBe('succeeded');
      },
      invalid: { request: { jobId: 5 }, field: 'jobId' },
    },
    'jobs.cancel': {
      // A job cancelled right after it started (it starts on the next tick).
      valid: async () => {
        cancelledJobId = (await service.call('verify.start', { sweep: SWEEP, deep: true })).jobId;
        return { jobId: cancelledJobId };
      },
      check: async (v) => {
        expect(v.cancelled).toBe(true);
        const job = await service.call('jobs.get', { jobId: cancelledJobId });
        expect(job.state).toBe('cancelled');
        expect(job.error?.code).toBe('cancelled');
        expect(job.result).toBeNull();
        // Cancelling a finished job is no error: it just wasn't running any more.
        expect(await service.call('jobs.cancel', { jobId: cancelledJobId })).toEqual({ cancelled: false });
      },
      invalid: { request: { jobId: 5 }, field: 'jobId' },
    },
    'settings.get': {
      valid: async () => ({}),
      check: (v) => {
        expect(v.problem).toBeNull();
        expect(v.destinations?.objectStore.kind).toBe('local');
        expect(v.configFile.startsWith(home)).toBe(true);
        const settle = v.settings.find((s) => s.key === 'settleSeconds');
        expect(settle).toMatchObject({ value: 0, source: 'environment', locked: true });
        expect(v.settings.filter((s) => s.secret).every((s) => s.value === null)).toBe(true);
      },
      invalid: { request: { bogus: 1 }, field: 'bogus' },
    },
    'settings.validate': {
      valid: async () => ({ changes: { compressionLevel: 3 } }),
      check: (v) => {
        expect(v).toEqual({ ok: true, problems: [], locked: [] });
      },
      invalid: { request: { changes: { compressionLevel: true } }, field: 'changes.compressionLevel' },
    },
    'settings.save': {
      valid: async () => ({ changes: { compressionLevel: 3 } }),
      check: (v) => {
        expect(v.problem).toBeNull();
        const level = v.settings.find((s) => s.key === 'compressionLevel');
        expect(level).toMatchObject({ value: 3, source: 'config-file', locked: false });
      },
      invalid: { request: { changes: { compressionLevel: [3] } }, field: 'changes.compressionLevel' },
    },
    'settings.test': {
      valid: async () => ({ changes: {} }),
      check: (v) => {
        expect(v.checks).toHaveLength(2);
        for (const c of v.checks) {
          expect(c.ok, `${c.name}: ${c.detail}`).toBe(true);
          expect(c.category).toBeNull();
        }
      },
      invalid: { request: { changes: 'none' }, field: 'changes' },
    },
    'folders.list': {
      valid: async () => ({}),
      check: (v) => expect(v.folders).toEqual([]),
      invalid: { request: { bogus: 1 }, field: 'bogus' },
    },
    'folders.add': {
      valid: async () => {
        watchedFolder = await mkdtemp(join(work, 'watched-'));
        return { path: watchedFolder };
      },
      check: async (v) => {
        expect(v.folders).toEqual([resolve(watchedFolder)]);
        expect((await service.call('folders.list', {})).folders).toEqual([resolve(watchedFolder)]);
      },
      invalid: { request: { path: 5 }, field: 'path' },
    },
    'folders.remove': {
      valid: async () => ({ path: watchedFolder }),
      check: async (v) => {
        expect(v.folders).toEqual([]);
        expect((await service.call('folders.list', {})).folders).toEqual([]);
      },
      invalid: { request: { path: ['a'] }, field: 'path' },
    },
    'dialog.pickFolder': {
      // The desktop app's main process answers it with the native dialog; the service has none.
      valid: async () => ({ purpose: 'restore-target' }),
      refusedWith: 'no-folder-picker',
      invalid: { request: { purpose: 'somewhere' }, field: 'purpose' },
    },
    'events.since': {
      valid: async () => ({ after: 0 }),
      check: (v) => {
        expect(v.complete).toBe(true);
        expect(v.events.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
      },
      invalid: { request: { after: 'ten' }, field: 'after' },
    },
  };

  async function runValid<N extends CommandName>(name: N): Promise<void> {
    const c = cases[name] as Case<N>;
    try {
      const request = await c.valid();
      const answer = await service.invoke(name, request);
      if (c.refusedWith) {
        expect(answer).toMatchObject({ ok: false, error: { category: 'usage', code: c.refusedWith } });
        return;
      }
      expect(answer, `${name} ${JSON.stringify(request)}`).toMatchObject({ ok: true });
      if (!answer.ok) return;
      const checked = (commands[name].response as z.ZodType).safeParse(answer.value);
      expect(checked.success, checked.error?.message).toBe(true);
      await c.check?.(answer.value);
    } finally {
      await c.cleanup?.();
    }
  }

  async function runInvalid<N extends CommandName>(name: N): Promise<void> {
    const { request, field } = (cases[name] as Case<N>).invalid;
    expect(commands[name].request.safeParse(request).success).toBe(false);
    const answer = await service.invoke(name, request as CommandRequest<N>);
    expect(answer.ok, `${name} ${JSON.stringify(request)}`).toBe(false);
    if (answer.ok) return;
    expect(appErrorSchema.safeParse(answer.error).success).toBe(true);
    expect(answer.error.category).toBe('usage');
    expect(answer.error.code).toBe('request-invalid');
    expect(answer.error.message).toContain(name);
    expect(answer.error.message).toContain(field.split('.').pop()!);
    expect(answer.error.field, answer.error.message).toBe(field);
  }

  it('has a case for every command', () => {
    expect(Object.keys(cases).sort()).toEqual([...COMMAND_NAMES].sort());
  });

  describe.each(COMMAND_NAMES)('%s', (name) => {
    it('answers a valid request with a value its response schema accepts', async () => {
      await runValid(name);
    });
    it('answers an invalid request with a usage error naming the field', async () => {
      await runInvalid(name);
    });
  });

  it('answers an unknown command with a usage error', async () => {
    const answer = await service.invoke('no.such' as CommandName, {} as never);
    expect(answer.ok).toBe(false);
    if (!answer.ok) {
      expect(answer.error.category).toBe('usage');
      expect(answer.error.code).toBe('unknown-command');
    }
  });

  it('sorts comparison rows by numeric value, both ways, empty cells last', async () => {
    const numeric = (cell: string | null | undefined) =>
      cell === null || cell === undefined || cell === '' ? null : Number(cell);
    // total_trades (integers of 2 and 3 digits) and dealer_total_pnl (negative and positive decimals)
    // sort differently as text than as numbers; delta_passive has 0E-28 among 0.0x decimals; kappa
    // ('0.25' … '4') and trading_relief_ratio (with empty cells) complete the picture.
    const textOrder = comparison.map((r) => r.total_trades!).sort((a, b) => a.localeCompare(b));
    const numberOrder = comparison.map((r) => r.total_trades!).sort((a, b) => Number(a) - Number(b));
    expect(textOrder).not.toEqual(numberOrder); // else this test would prove nothing
    for (const column of [
      'total_trades',
      'dealer_total_pnl',
      'delta_passive',
      'kappa',
      'trading_relief_ratio',
    ]) {
      const source = comparison.map((r) => numeric(r[column]));
      const filled = source.filter((x): x is number => x !== null);
      const empties = source.length - filled.length;
      for (const direction of ['asc', 'desc'] as const) {
        const page = await service.call('sweeps.comparisonRows', {
          sweep: SWEEP,
          sort: { column, direction },
          limit: 10_000,
        });
        expect(page.total).toBe(PAIRS);
        expect(page.rows).toHaveLength(PAIRS);
        const got = page.rows.map((r) => numeric(r[column]));
        const want = [...filled].sort((a, b) => (direction === 'asc' ? a - b : b - a));
        expect(got, `${column} ${direction}`).toEqual([...want, ...Array<null>(empties).fill(null)]);
      }
    }
    // Paging keeps the order: the second page goes on where the first ended.
    const all = await service.call('sweeps.comparisonRows', {
      sweep: SWEEP,
      sort: { column: 'total_trades', direction: 'asc' },
    });
    const second = await service.call('sweeps.comparisonRows', {
      sweep: SWEEP,
      sort: { column: 'total_trades', direction: 'asc' },
      limit: 2,
      offset: 2,
    });
    expect(second.total).toBe(PAIRS);
    expect(second.rows).toEqual(all.rows.slice(2, 4));
  });

  it('emits events in sequence, in the event schema, with their job id, in every progress phase', () => {
    expect(events.length).toBeGreaterThan(0);
    events.forEach((e, i) => {
      const parsed = appEventSchema.safeParse(e);
      expect(parsed.success, `${JSON.stringify(e)}: ${parsed.error?.message}`).toBe(true);
      expect(e.seq).toBe(i + 1);
    });

    const jobs = new Map<string, { kind: JobKind; sweep: string; finished: boolean }>();
    const watching = (seq: number) => watchWindows.some((w) => seq >= w.from && seq <= w.to);
    const phaseKind: Record<(typeof PROGRESS_PHASES)[number], JobKind> = {
      uploading: 'sync',
      cataloguing: 'sync',
      downloading: 'restore',
      verifying: 'verify',
    };
    const seen = new Set<string>();
    for (const { seq, jobId, event } of events) {
      const where = `event ${seq} (${event.type})`;
      if (event.type === 'job-started') {
        expect(jobId, where).toBe(event.jobId);
        expect(jobs.has(event.jobId), where).toBe(false);
        jobs.set(event.jobId, { kind: event.kind, sweep: event.sweep, finished: false });
        continue;
      }
      if (event.type === 'job-finished') {
        expect(jobId, where).toBe(event.jobId);
        const job = jobs.get(event.jobId);
        expect(job, where).toBeDefined();
        expect(job?.finished, where).toBe(false);
        if (job) job.finished = true;
        continue;
      }
      if (jobId !== null) {
        // An event of a job comes between its start and its end, about its sweep.
        const job = jobs.get(jobId);
        expect(job, where).toBeDefined();
        expect(job?.finished, where).toBe(false);
        if ('sweep' in event && event.sweep !== undefined) expect(event.sweep, where).toBe(job?.sweep);
        if (event.type === 'progress') expect(job?.kind, where).toBe(phaseKind[event.phase]);
      } else if (
        ['progress', 'sync-started', 'object-done', 'sync-finished', 'sync-failed'].includes(event.type)
      ) {
        // Outside a job only the watcher syncs.
        expect(watching(seq), `${where} has no job id`).toBe(true);
      }
      if (event.type === 'progress') seen.add(event.phase);
    }
    expect([...jobs.values()].every((j) => j.finished)).toBe(true);
    expect([...seen].sort()).toEqual([...PROGRESS_PHASES].sort());
  });
});
