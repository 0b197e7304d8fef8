import type { Command } from 'commander';
import { openApp } from '../../core/app.js';
import { formatBytes, printJson, table } from '../output.js';
import { runCommand } from '../run.js';
import { parseType } from './sync.js';

export function registerListSweeps(program: Command): void {
  program
    .command('list-sweeps')
    .description('List the synced sweeps in the catalog')
    .option('--type <type>', 'only sweeps of this type')
    .option('--all-owners', "include other researchers' sweeps in a shared catalog")
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 1000)
    .option('--json', 'print JSON')
    .action((opts: { type?: string; json?: boolean; limit: number; allOwners?: boolean }) =>
      runCommand(opts, async () => {
        const type = parseType(opts.type);
        const app = await openApp();
        try {
          const sweeps = await app.catalog.listSweeps({
            type,
            owner: opts.allOwners ? undefined : app.config.owner,
            limit: opts.limit,
          });
          if (opts.json) return printJson(sweeps);
          if (sweeps.length === 0) {
            console.log(`No synced sweeps${type ? ` of type ${type}` : ''} in ${app.catalog.description}.`);
            return;
          }
          console.log(
            table(
              ['name', 'type', 'rev', 'pairs', 'size', 'archives', 'synced'],
              sweeps.map((s) => [
                s.name,
                s.sweepType,
                String(s.revision),
                s.pairsTotal === null ? '-' : `${s.pairsCompleted ?? '?'}/${s.pairsTotal}`,
                formatBytes(s.totalBytes),
                s.archiveBytes > 0 ? formatBytes(s.archiveBytes) : '-',
                s.syncedAt.replace('T', ' ').slice(0, 16),
              ]),
            ),
          );
        } finally {
          await app.close();
        }
      }),
    );
}
