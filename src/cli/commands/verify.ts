import type { Command } from 'commander';
import type { z } from 'zod';
import { SyncError } from '../../core/model/errors.js';
import type { verifyReportSchema } from '../../shared/commands.js';
import { runJob } from '../jobs.js';
import { formatBytes, printJson } from '../output.js';
import { createProgressReporter } from '../progress.js';
import { runCommand } from '../run.js';
import { parseRevision } from './revisions.js';

interface VerifyOpts {
  revision?: string;
  deep?: boolean;
  repair?: boolean;
  path?: string;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description("Check a synced sweep's objects in the store against its manifest")
    .argument('<sweep_name>')
    .option('--revision <n>', 'check an earlier revision')
    .option('--deep', 'download and hash every object, not only its metadata')
    .option(
      '--repair',
      'with --deep: re-upload damaged or missing objects of the latest revision from the local sweep folder',
    )
    .option(
      '--path <sweep_folder>',
      'with --repair: the local sweep folder (default: the one it was synced from)',
    )
    .option('--json', 'print JSON')
    .action((name: string, opts: VerifyOpts) =>
      runCommand(
        opts,
        async (service) => {
          const revision = parseRevision(opts.revision);
          if (opts.repair && !opts.deep) {
            throw new SyncError(
              'usage',
              '--repair works only with --deep (every object is downloaded and hashed first).',
              `Use: bilancio-sync verify ${name} --deep --repair`,
              { code: 'request-invalid' },
            );
          }
          if (opts.path && !opts.repair) {
            throw new SyncError(
              'usage',
              '--path goes with --repair only.',
              `Use: bilancio-sync verify ${name} --deep --repair --path ${opts.path}`,
              {
                code: 'request-invalid',
              },
            );
          }
          const report = createProgressReporter({ quiet: opts.json || !opts.deep });
          const result = (await runJob(
            service,
            () =>
              service.call('verify.start', {
                sweep: name,
                revision,
                deep: opts.deep ?? false,
                repair: opts.repair ?? false,
                ...(opts.path ? { path: opts.path } : {}),
              }),
            report,
            `Interrupted: the verify of ${name} stopped before the end; nothing was changed.`,
          )) as z.infer<typeof verifyReportSchema>;
          const repairs = new Map((result.repairs ?? []).map((r) => [r.key, r]));
          const left = [...new Set(result.problems.map((p) => p.key))].filter(
            (k) => repairs.get(k)?.result !== 'repaired',
          );
          const damaged = new Set(result.problems.map((p) => p.key)).size;
          if (opts.json) printJson(result);
          else {
            for (const p of result.problems) console.log(`  ${p.key}: ${p.problem}`);
            for (const r of repairs.values())
              console.log(
                `  ${r.key}: ${r.result === 'repaired' ? 'repaired' : 'could not repair'}: ${r.detail}`,
              );
            console.log(
              `${result.sweep} revision ${result.revision}: ${result.objects} objects, ${formatBytes(result.bytes)}, ` +
                (result.problems.length === 0
                  ? `all match the manifest${opts.deep ? ' (content hashed)' : ''}.`
                  : opts.repair
                    ? `${damaged} damaged or missing object(s): ${damaged - left.length} repaired, ${left.length} not.`
                    : `${result.problems.length} problem(s).`),
            );
          }
          if (left.length > 0) {
            if (opts.repair) {
              throw new SyncError(
                'integrity',
                `${left.length} object(s) of ${name} could not be repaired: ` +
                  `${left.map((k) => `${k}: ${repairs.get(k)?.detail ?? 'not repaired'}`).join('; ')}.`,
                'Where the local files changed since that revision was synced, sync the sweep again to make them a ' +
                  'new revision (the damaged revision stays as it is), or put the recorded files back and repair again.',
                { code: 'repair-incomplete' },
              );
            }
            throw new SyncError(
              'integrity',
              `${left.length} object(s) of ${name} don't match the manifest.`,
              `Repair them from the local sweep folder: bilancio-sync verify ${name} --deep --repair`,
              { code: 'objects-damaged' },
            );
          }
        },
        {},
        { interruptible: true },
      ),
    );
}
