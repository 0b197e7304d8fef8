import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { describeConfig, loadConfig } from '../../core/config/loadConfig.js';
import { Journal } from '../../core/journal/Journal.js';
import { readPause } from '../../core/watch/pause.js';
import { formatBytes, formatDuration, printJson, table } from '../output.js';
import { runCommand } from '../run.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show where things go, the known sweeps and their state, and the last sync results')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'how many recent results', (v) => Number.parseInt(v, 10), 10)
    .action((opts: { json?: boolean; limit: number }) =>
      runCommand(opts, async () => {
        // Status reads only the local journal: it answers even when the destinations are unreachable.
        const config = loadConfig();
        const journal = existsSync(config.journalPath) ? Journal.open(config.journalPath) : null;
        try {
          const sweeps = journal?.listSweeps() ?? [];
          const attempts = journal?.listAttempts({ limit: opts.limit }) ?? [];
          const events = journal?.recentEvents(opts.limit) ?? [];
          const byId = new Map(sweeps.map((s) => [s.id, s.name]));
          const pause = journal ? readPause(journal) : null;
          if (opts.json)
            return printJson({ config: describeConfig(config), pause, sweeps, attempts, events });
          const d = describeConfig(config) as {
            objectStore: Record<string, unknown>;
            catalog: Record<string, unknown>;
          };
          console.log(`Object store: ${Object.values(d.objectStore).filter(Boolean).join(' ')}`);
          console.log(`Catalog:      ${Object.values(d.catalog).filter(Boolean).join(' ')}`);
          console.log(`Journal:      ${config.journalPath}${journal ? '' : ' (nothing synced yet)'}`);
          if (pause) {
            console.log(
              `Syncing is paused by the ${pause.by === 'user' ? 'user' : 'app'} since ${pause.since}` +
                `${pause.until ? ` until ${pause.until}` : ''}${pause.reason ? ` (${pause.reason})` : ''}: \`bilancio-sync resume\` lifts it.`,
            );
          }
          console.log('');
          if (sweeps.length > 0) {
            console.log(
              table(
                ['sweep', 'state', 'detail', 'path'],
                sweeps.map((s) => [
                  s.name,
                  s.state,
                  `${s.stateReason ?? ''}${s.nextRetryAt ? ` (next try ${s.nextRetryAt.replace('T', ' ').slice(0, 19)})` : ''}`,
                  s.path,
                ]),
              ),
            );
            console.log('');
          }
          if (attempts.length > 0) {
            console.log('Last results:');
            console.log(
              table(
                ['when', 'sweep', 'result', 'uploaded', 'took', 'error'],
                attempts.map((a) => [
                  a.startedAt.replace('T', ' ').slice(0, 19),
                  byId.get(a.sweepId) ?? String(a.sweepId),
                  a.result ?? 'unfinished',
                  a.bytesUploaded ? `${a.objectsUploaded} obj, ${formatBytes(a.bytesUploaded)}` : '-',
                  a.durationMs === null ? '-' : formatDuration(a.durationMs),
                  a.error ?? '',
                ]),
              ),
            );
          }
          const warnings = events.filter((e) => e.level !== 'info');
          if (warnings.length > 0) {
            console.log('\nRecent warnings and errors:');
            for (const e of warnings)
              console.log(`  ${e.at.replace('T', ' ').slice(0, 19)} ${e.level}: ${e.message}`);
          }
        } finally {
          journal?.close();
        }
      }),
    );
}
