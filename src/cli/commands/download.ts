import type { Command } from 'commander';
import { openApp } from '../../core/app.js';
import { restoreSweep } from '../../core/restore/Restorer.js';
import { formatBytes, printJson } from '../output.js';
import { createProgressReporter } from '../progress.js';
import { runCommand } from '../run.js';
import { parseRevision } from './revisions.js';

export function registerDownload(program: Command): void {
  program
    .command('download')
    .description('Restore a synced sweep into a folder, byte for byte, verified against its manifest')
    .argument('<sweep_name>', 'the name shown by list-sweeps')
    .argument('<output_path>', 'the folder to rebuild the sweep in (created if missing)')
    .option('--revision <n>', 'an earlier revision (see `revisions`)')
    .option('--overwrite', 'replace files that already exist there')
    .option('--json', 'print the result as JSON')
    .action(
      (name: string, output: string, opts: { revision?: string; overwrite?: boolean; json?: boolean }) =>
        runCommand(opts, async () => {
          const revision = parseRevision(opts.revision);
          const app = await openApp();
          try {
            const result = await restoreSweep(app.store, name, output, {
              revision,
              overwrite: opts.overwrite ?? false,
              onEvent: opts.json ? undefined : createProgressReporter({}),
            });
            if (opts.json) return printJson(result);
            console.log(
              `Restored ${result.sweep} revision ${result.revision} to ${result.outputPath}: ` +
                `${result.files} files, ${formatBytes(result.bytes)}, every sha256 verified.`,
            );
            for (const w of result.warnings) console.error(`warning: ${w}`);
          } finally {
            await app.close();
          }
        }),
    );
}
