import type { Command } from 'commander';
import type { z } from 'zod';
import { SyncError } from '../../core/model/errors.js';
import type { verifyReportSchema } from '../../shared/commands.js';
import { runJob } from '../jobs.js';
import { formatBytes, printJson } from '../output.js';
import { createProgressReporter } from '../progress.js';
import { runCommand } from '../run.js';
import { parseRevision } from './revisions.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description("Check a synced sweep's objects in the store against its manifest")
    .argument('<sweep_name>')
    .option('--revision <n>', 'check an earlier revision')
    .option('--deep', 'download and hash every object, not only its metadata')
    .option('--json', 'print JSON')
    .action((name: string, opts: { revision?: string; deep?: boolean; json?: boolean }) =>
      runCommand(opts, async (service) => {
        const revision = parseRevision(opts.revision);
        const report = createProgressReporter({ quiet: opts.json || !opts.deep });
        const result = (await runJob(
          service,
          () => service.call('verify.start', { sweep: name, revision, deep: opts.deep ?? false }),
          report,
        )) as z.infer<typeof verifyReportSchema>;
        if (opts.json) printJson(result);
        else {
          for (const p of result.problems) console.log(`  ${p.key}: ${p.problem}`);
          console.log(
            `${result.sweep} revision ${result.revision}: ${result.objects} objects, ${formatBytes(result.bytes)}, ` +
              (result.problems.length === 0
                ? `all match the manifest${opts.deep ? ' (content hashed)' : ''}.`
                : `${result.problems.length} problem(s).`),
          );
        }
        if (result.problems.length > 0) {
          throw new SyncError(
            'integrity',
            `${result.problems.length} object(s) of ${name} don't match the manifest.`,
            {
              text: 'Sync the sweep again from its folder to repair them.',
              action: { kind: 'sync-again', sweep: name },
            },
          );
        }
      }),
    );
}
