import type { Command } from 'commander';
import { openApp } from '../../core/app.js';
import { RevisionKeeper } from '../../core/engine/RevisionKeeper.js';
import { SyncError } from '../../core/errors.js';
import { formatBytes, printJson, table } from '../output.js';
import { runCommand } from '../run.js';

export function registerRevisions(program: Command): void {
  program
    .command('revisions')
    .description('List the kept revisions of a synced sweep')
    .argument('<sweep_name>')
    .option('--json', 'print JSON')
    .action((name: string, opts: { json?: boolean }) =>
      runCommand(opts, async () => {
        const app = await openApp();
        try {
          const all = await new RevisionKeeper(app.store, name).all();
          if (all.length === 0) {
            throw new SyncError(
              'not-found',
              `There is no synced sweep named "${name}" in ${app.store.description}.`,
              'Run `bilancio-sync list-sweeps`.',
            );
          }
          const rows = all.map((m) => ({
            revision: m.revision,
            syncedAt: m.syncedAt,
            full: m.full,
            files: m.files.length,
            bytes: m.stats.totalBytes,
            comparisonRows: m.stats.comparisonRows,
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
        } finally {
          await app.close();
        }
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
