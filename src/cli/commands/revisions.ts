import type { Command } from 'commander';
import { SyncError } from '../../core/model/errors.js';
import { formatBytes, printJson, table } from '../output.js';
import { runCommand } from '../run.js';

export function registerRevisions(program: Command): void {
  program
    .command('revisions')
    .description('List the kept revisions of a synced sweep')
    .argument('<sweep_name>')
    .option('--json', 'print JSON')
    .action((name: string, opts: { json?: boolean }) =>
      runCommand(opts, async (service) => {
        const { revisions } = await service.call('sweeps.revisions', { name });
        const rows = revisions.map((m) => ({
          revision: m.revision,
          syncedAt: m.syncedAt,
          full: m.full,
          files: m.files,
          bytes: m.bytes,
          comparisonRows: m.comparisonRows,
          warnings: m.warnings,
        }));
        if (opts.json) return printJson(rows);
        console.log(
          table(
            ['rev', 'synced', 'run data', 'files', 'size', 'comparison rows'],
            rows.map((r) => [
              String(r.revision),
              r.syncedAt.replace('T', ' ').slice(0, 19),
              r.full ? 'yes' : 'no',
              String(r.files),
              formatBytes(r.bytes),
              r.comparisonRows === null ? '-' : String(r.comparisonRows),
            ]),
          ),
        );
      }),
    );
}

export function parseRevision(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new SyncError('usage', `--revision must be a positive whole number, got "${value}".`);
  return n;
}
