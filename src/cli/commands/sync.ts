import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { SyncError } from '../../core/model/errors.js';
import type { SyncResultData } from '../../shared/commands.js';
import { SWEEP_TYPES, type SweepType } from '../../shared/constants.js';
import { withHint } from '../hints.js';
import { runJob } from '../jobs.js';
import { formatBytes, formatDuration, printJson, table } from '../output.js';
import { createProgressReporter } from '../progress.js';
import { runCommand } from '../run.js';

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description(
      'Sync one finished sweep: aggregates to the catalog, files and run archives to the store ' +
        '(run archives unless --no-run-data or the include-run-data setting is off)',
    )
    .argument('<sweep_path>', 'the sweep folder, e.g. out/experiments/my_sweep')
    .option('--name <name>', 'name in the cloud (default: the folder name)')
    .option('--type <type>', `sweep type to record (${SWEEP_TYPES.join(', ')}; default: detected)`)
    .option('--full', 'also archive and upload the run data of every branch (whatever the setting says)')
    .option('--no-run-data', 'aggregates only: no run data archives (whatever the setting says)')
    .option('--dry-run', 'show what would be uploaded, change nothing')
    .option('--allow-incomplete', 'sync a crashed or failed sweep as it stands')
    .option('--no-wait', "don't wait for a just-finished sweep to settle; fail instead")
    .option('--json', 'print the result as JSON (progress as JSON lines)')
    .action((sweepPath: string, opts: SyncCliOptions, command: Command) =>
      runCommand(
        opts,
        async (service) => {
          const type = parseType(opts.type);
          const full = runDataWanted(opts, command.getOptionValueSource('runData') === 'cli');
          const report = createProgressReporter({ json: opts.json });
          const warned = new Set<string>();
          const result = (await runJob(
            service,
            () =>
              service.call('sync.start', {
                path: sweepPath,
                name: opts.name,
                type,
                full,
                dryRun: opts.dryRun ?? false,
                allowIncomplete: opts.allowIncomplete ?? false,
                waitForSettle: opts.wait !== false,
              }),
            (e) => {
              if (e.event.type === 'warning') warned.add(e.event.message);
              report(e);
            },
            `Interrupted: ${opts.name ?? basename(resolve(sweepPath))} was not synced; the sync stays as it was (nothing committed). Run it again.`,
          )) as SyncResultData;
          if (opts.json) return printJson(result);
          printSyncResult(result);
          for (const w of result.warnings) if (!warned.has(w)) console.error(`warning: ${withHint(w, null)}`);
        },
        {},
        { interruptible: true },
      ),
    );
}

function printSyncResult(result: SyncResultData): void {
  if (result.result === 'dry-run') {
    console.log(
      `Dry run: ${result.sweep} would be synced as revision ${result.revision}${result.full ? ' (with run data)' : ''}.`,
    );
    console.log(
      table(
        ['object', 'action', 'source size'],
        result.objects.map((o) => [o.key, o.action, formatBytes(o.sourceBytes)]),
      ),
    );
  } else if (result.result === 'noop') {
    console.log(`${result.sweep} is already synced (revision ${result.revision}): nothing uploaded.`);
  } else {
    console.log(
      `${result.sweep} synced as revision ${result.revision}${result.full ? ' with run data' : ' (aggregates only; add --full for the run data)'}: ` +
        `${result.objectsUploaded} object(s) uploaded (${formatBytes(result.bytesUploaded)}), ${result.objectsReused} unchanged, in ${formatDuration(result.durationMs)}.`,
    );
  }
}

/**
 * `--full` → with run data, `--no-run-data` → without, neither → undefined: the include-run-data setting
 * decides (the service's default for `sync.start`). Both at once is a usage error.
 */
export function runDataWanted(opts: { full?: boolean }, noRunData: boolean): boolean | undefined {
  if (opts.full && noRunData) {
    throw new SyncError(
      'usage',
      '--full and --no-run-data contradict each other.',
      'Give one of them, or neither to follow the include-run-data setting.',
    );
  }
  if (opts.full) return true;
  if (noRunData) return false;
  return undefined;
}

interface SyncCliOptions {
  name?: string;
  type?: string;
  full?: boolean;
  /** commander's value of --no-run-data (true unless given); see runDataWanted. */
  runData?: boolean;
  dryRun?: boolean;
  allowIncomplete?: boolean;
  wait?: boolean;
  json?: boolean;
}

export function parseType(type: string | undefined): SweepType | undefined {
  if (type === undefined) return undefined;
  if (!(SWEEP_TYPES as readonly string[]).includes(type)) {
    throw new SyncError('usage', `Unknown sweep type "${type}".`, `Use one of: ${SWEEP_TYPES.join(', ')}.`);
  }
  return type as SweepType;
}
