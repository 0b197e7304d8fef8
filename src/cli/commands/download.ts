import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { z } from 'zod';
import type { restoreResultSchema } from '../../shared/commands.js';
import { runJob } from '../jobs.js';
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
    .option('--aggregates-only', 'only the aggregate files, no run data')
    .option('--branch <branch...>', 'only the run data of these branches (one archive each)')
    .option('--json', 'print the result as JSON')
    .action(
      (
        name: string,
        output: string,
        opts: {
          revision?: string;
          overwrite?: boolean;
          json?: boolean;
          aggregatesOnly?: boolean;
          branch?: string[];
        },
      ) =>
        runCommand(
          opts,
          async (service) => {
            const revision = parseRevision(opts.revision);
            const what = opts.branch?.length
              ? { kind: 'branches' as const, branches: opts.branch }
              : opts.aggregatesOnly
                ? { kind: 'aggregates' as const }
                : { kind: 'all' as const };
            const report = createProgressReporter({ quiet: opts.json });
            const result = (await runJob(
              service,
              () =>
                service.call('restore.start', {
                  sweep: name,
                  target: output,
                  revision,
                  overwrite: opts.overwrite ?? false,
                  what,
                }),
              (e) => {
                if (!opts.json) report(e);
              },
              `Interrupted: nothing was changed in ${resolve(output)}.`,
            )) as z.infer<typeof restoreResultSchema>;
            if (opts.json) return printJson(result);
            console.log(
              `Restored ${result.sweep} revision ${result.revision} to ${result.outputPath}: ` +
                `${result.files} files, ${formatBytes(result.bytes)}, every sha256 verified.`,
            );
            for (const w of result.warnings)
              console.error(`warning: ${w} To include it, sync it with --full.`);
          },
          {},
          { interruptible: true },
        ),
    );
}
