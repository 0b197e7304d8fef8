import type { Command } from 'commander';
import { formatBytes, printJson, table } from '../output.js';
import { runCommand } from '../run.js';
import { parseType } from './sync.js';

export function registerListSweeps(program: Command): void {
  program
    .command('list-sweeps')
    .description('List the synced sweeps in the catalog')
    .option('--type <type>', 'only sweeps of this type')
    .option('--search <text>', 'only sweeps whose name contains this')
    .option('--all-owners', "include other researchers' sweeps in a shared catalog")
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 1000)
    .option('--json', 'print JSON')
    .action((opts: { type?: string; search?: string; json?: boolean; limit: number; allOwners?: boolean }) =>
      runCommand(opts, async (service) => {
        const type = parseType(opts.type);
        const { items } = await service.call('sweeps.search', {
          type,
          query: opts.search,
          allOwners: opts.allOwners ?? false,
          limit: opts.limit,
        });
        if (opts.json) return printJson(items);
        if (items.length === 0) {
          const { destinations } = await service.call('status.overview', { recent: 0 });
          console.log(
            `No synced sweeps${type ? ` of type ${type}` : ''} in ${destinations.catalog.description}.`,
          );
          return;
        }
        console.log(
          table(
            ['name', 'type', 'rev', 'pairs', 'size', 'archives', 'synced'],
            items.map((s) => [
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
      }),
    );
}
