import type { Command } from 'commander';
import { formatBytes, formatDuration, printJson, table } from '../output.js';
import { runCommand } from '../run.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show where things go, the known sweeps and their state, and the last sync results')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'how many recent results', (v) => Number.parseInt(v, 10), 10)
    .action((opts: { json?: boolean; limit: number }) =>
      // Status reads only the local journal: it answers even when the destinations are unreachable.
      runCommand(opts, async (service) => {
        const o = await service.call('status.overview', { recent: opts.limit });
        if (opts.json) return printJson(o);
        const d = o.destinations;
        console.log(`Object store: ${d.objectStore.description}`);
        console.log(`Catalog:      ${d.catalog.description}`);
        console.log(
          `Journal:      ${d.journal}${o.sweeps.length === 0 && o.lastResults.length === 0 ? ' (nothing synced yet)' : ''}`,
        );
        if (o.pause) {
          console.log(
            `Syncing is paused by the ${o.pause.by} since ${o.pause.since}` +
              `${o.pause.until ? ` until ${o.pause.until}` : ''}${o.pause.reason ? ` (${o.pause.reason})` : ''}: \`bilancio-sync resume\` lifts it.`,
          );
        }
        console.log('');
        if (o.sweeps.length > 0) {
          console.log(
            table(
              ['sweep', 'state', 'detail', 'path'],
              o.sweeps.map((s) => [
                s.name,
                s.state,
                `${s.reason ?? ''}${s.nextRetryAt ? ` (next try ${s.nextRetryAt.replace('T', ' ').slice(0, 19)})` : ''}`,
                s.path,
              ]),
            ),
          );
          console.log('');
        }
        if (o.lastResults.length > 0) {
          console.log('Last results:');
          console.log(
            table(
              ['when', 'what', 'sweep', 'result', 'size', 'took', 'error'],
              o.lastResults.map((a) => [
                a.startedAt.replace('T', ' ').slice(0, 19),
                a.kind,
                a.sweep,
                a.result ?? 'unfinished',
                a.bytes
                  ? `${a.objects} ${a.kind === 'restore' ? 'files' : 'obj'}, ${formatBytes(a.bytes)}`
                  : '-',
                a.durationMs === null ? '-' : formatDuration(a.durationMs),
                a.error ?? '',
              ]),
            ),
          );
        }
        if (o.warnings.length > 0) {
          console.log('\nRecent warnings and errors:');
          for (const e of o.warnings)
            console.log(`  ${e.at.replace('T', ' ').slice(0, 19)} ${e.level}: ${e.message}`);
        }
      }),
    );
}
