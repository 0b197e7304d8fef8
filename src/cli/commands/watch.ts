import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SyncError } from '../../core/model/errors.js';
import type { AppService } from '../../core/service/AppService.js';
import { parseDuration } from '../../core/watch/pause.js';
import { EXIT_CODES } from '../../shared/constants.js';
import type { AppEvent } from '../../shared/events.js';
import { formatDuration, printJson } from '../output.js';
import { createProgressReporter } from '../progress.js';
import { runCommand } from '../run.js';

interface WatchCliOptions {
  full?: boolean;
  json?: boolean;
  settle?: string;
  once?: boolean;
  concurrency?: string;
  reconcileMinutes?: string;
}

/** `watch`, and the small commands that steer it from another terminal: `retry`, `pause`, `resume`. */
export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description(
      'Watch experiments folders and sync every sweep once it has finished (run data included unless the include-run-data setting is off), in the background',
    )
    .argument('[dirs...]', 'experiments folders (default: ./out/experiments)')
    .option('--no-full', 'upload aggregates only, not the run data archives (whatever the setting says)')
    .option('--json', 'print events as JSON lines on stdout')
    .option('--settle <seconds>', 'quiet time before a finished sweep counts as complete (default 10)')
    .option('--once', 'sync what is finished now, then exit (no file watching)')
    .option('--concurrency <n>', 'sweeps synced at once (default 1)')
    .option('--reconcile-minutes <n>', 'full rescan interval in minutes, 0 = off (default 10)')
    .action((dirs: string[], opts: WatchCliOptions, command: Command) =>
      runCommand(opts, (service) =>
        // Without --no-full the include-run-data setting decides.
        runWatch(service, dirs, {
          ...opts,
          full: command.getOptionValueSource('full') === 'cli' ? opts.full : undefined,
        }),
      ),
    );

  program
    .command('retry')
    .description('Try a failed sweep again now (also after its automatic retries ran out)')
    .argument('<sweep>', 'the sweep folder or its name')
    .option('--allow-incomplete', 'sync a crashed (incomplete) sweep as it stands')
    .option('--json', 'print JSON')
    .action((sweep: string, opts: { allowIncomplete?: boolean; json?: boolean }) =>
      runCommand(opts, async (service) => {
        const { sweep: row } = await service.call('sync.retry', {
          sweep,
          allowIncomplete: opts.allowIncomplete ?? false,
        });
        if (opts.json) return printJson({ sweep: row });
        console.log(`${row.name} is queued; a running \`bilancio-sync watch\` picks it up within seconds.`);
      }),
    );

  program
    .command('pause')
    .description('Pause background syncing (all watchers on this journal), optionally for a while')
    .option('--for <duration>', 'e.g. 1h, 30m, 2h30m; without it, until `bilancio-sync resume`')
    .option('--json', 'print JSON')
    .action((opts: { for?: string; json?: boolean }) =>
      runCommand(opts, async (service) => {
        let forMs: number | null = null;
        if (opts.for !== undefined) {
          forMs = parseDuration(opts.for);
          if (forMs === null || forMs <= 0)
            throw new SyncError('usage', `"${opts.for}" is not a duration.`, 'Use e.g. 1h, 30m or 2h30m.');
        }
        const { pause } = await service.call('sync.pause', { forMs, reason: 'paused from the command line' });
        if (opts.json) return printJson({ pause });
        console.log(
          pause.until
            ? `Syncing paused until ${new Date(pause.until).toLocaleString()}.`
            : 'Syncing paused until `bilancio-sync resume`.',
        );
      }),
    );

  program
    .command('resume')
    .description('Resume background syncing')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      runCommand(opts, async (service) => {
        const { resumed } = await service.call('sync.resume', {});
        if (opts.json) return printJson({ resumed });
        console.log(resumed ? 'Syncing resumed.' : 'Syncing was not paused.');
      }),
    );
}

async function runWatch(service: AppService, dirs: string[], opts: WatchCliOptions): Promise<void> {
  const roots = resolveRoots(dirs);
  const settleMs =
    opts.settle === undefined ? undefined : Math.round(positiveNumber(opts.settle, '--settle', true) * 1000);
  const concurrency =
    opts.concurrency === undefined ? 1 : Math.floor(positiveNumber(opts.concurrency, '--concurrency'));
  const reconcileMinutes =
    opts.reconcileMinutes === undefined
      ? 10
      : positiveNumber(opts.reconcileMinutes, '--reconcile-minutes', true);

  const report = createWatchReporter(opts.json ?? false);
  const unsubscribe = service.subscribe(report);
  let stopping: Promise<void> | null = null;
  let signals = 0;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((res) => {
    markStopped = res;
  });
  const stop = (why: string) => {
    stopping ??= service.stopWatching(why).finally(markStopped);
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write('second interrupt: exiting now (the next start resumes the queue)\n');
      process.exit(130);
    }
    if (!opts.json)
      process.stderr.write(`${signal}: stopping (aborting the upload in flight, it stays queued)…\n`);
    void stop(`stopped by ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const watcher = await service.startWatching({
      roots,
      full: opts.full,
      settleMs,
      concurrency: Math.max(1, concurrency),
      reconcileIntervalMs: reconcileMinutes * 60_000,
      watch: !opts.once,
      journalPollMs: opts.once ? 0 : 2_000,
    });
    if (opts.once) {
      await watcher.whenIdle();
      await stop('done');
      if (watcher.failures.length > 0) {
        const f = watcher.failures[0]!;
        if (!opts.json)
          process.stderr.write(
            `${watcher.failures.length} sweep(s) failed; first: ${f.sweep}: ${f.message}\n`,
          );
        process.exitCode = EXIT_CODES[f.category as keyof typeof EXIT_CODES] ?? EXIT_CODES.internal;
      }
    } else {
      await stopped; // runs until a signal stops it (no timer: an idle watcher costs no CPU)
    }
  } finally {
    await stop('closing');
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    unsubscribe();
  }
}

function resolveRoots(dirs: string[]): string[] {
  if (dirs.length === 0) {
    const fallback = resolve('out/experiments');
    if (!existsSync(fallback)) {
      throw new SyncError(
        'usage',
        'No folder to watch: ./out/experiments does not exist here.',
        'Give the experiments folder, e.g. `bilancio-sync watch ~/bilancio/out/experiments`.',
      );
    }
    return [fallback];
  }
  return dirs.map((d) => {
    const abs = resolve(d);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir)
      throw new SyncError('usage', `${abs} is not a folder.`, 'Give an experiments folder to watch.');
    return abs;
  });
}

function positiveNumber(text: string, flag: string, allowZero = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new SyncError('usage', `${flag} needs a number${allowZero ? ' ≥ 0' : ' > 0'}, not "${text}".`);
  }
  return n;
}

/** JSON lines with --json; otherwise engine progress bars plus one line per state change on stderr. */
function createWatchReporter(json: boolean): (e: AppEvent) => void {
  const engine = createProgressReporter({ json });
  if (json) return engine;
  const line = (text: string) => process.stderr.write(`${new Date().toTimeString().slice(0, 8)}  ${text}\n`);
  return (envelope) => {
    const e = envelope.event;
    switch (e.type) {
      case 'watch-started':
        line(
          `watching ${e.roots.join(', ')} (${e.full ? 'run data included' : 'aggregates only'}, settle ${formatDuration(e.settleMs)}, ${e.concurrency} at a time)`,
        );
        break;
      case 'sweep-state': {
        const retry =
          e.state === 'failed' && e.nextRetryAt
            ? ` — next try ${new Date(e.nextRetryAt).toLocaleTimeString()}`
            : '';
        line(`${e.sweep}: ${e.state}${e.reason ? ` (${e.reason})` : ''}${retry}`);
        break;
      }
      case 'paused':
        line(
          `paused by the ${e.pause.by}${e.pause.until ? ` until ${new Date(e.pause.until).toLocaleTimeString()}` : ''}`,
        );
        break;
      case 'resumed':
        line(`resumed (${e.by})`);
        break;
      case 'reconcile-finished':
        if (e.trigger !== 'periodic' || e.sweeps !== e.unchanged)
          line(
            `scanned ${e.sweeps} sweep folder(s) in ${formatDuration(e.durationMs)}, ${e.unchanged} unchanged since synced`,
          );
        break;
      case 'sync-finished':
        line(
          e.result === 'noop'
            ? `${e.sweep}: already synced (revision ${e.revision})`
            : `${e.sweep}: synced as revision ${e.revision} in ${formatDuration(e.durationMs)}`,
        );
        engine(envelope);
        break;
      case 'sync-failed':
        engine(envelope);
        line(`${e.sweep}: attempt ended: ${e.message}`);
        break;
      case 'watch-stopped':
        line(`stopped (${e.reason})`);
        break;
      default:
        engine(envelope);
    }
  };
}
