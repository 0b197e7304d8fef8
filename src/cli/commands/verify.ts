import type { Command } from 'commander';
import { openApp } from '../../core/app.js';
import { SyncError } from '../../core/errors.js';
import { verifyRemote } from '../../core/restore/verifyRemote.js';
import { formatBytes, printJson } from '../output.js';
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
      runCommand(opts, async () => {
        const revision = parseRevision(opts.revision);
        const app = await openApp();
        try {
          const report = await verifyRemote(app.store, name, { revision, deep: opts.deep ?? false });
          if (opts.json) printJson(report);
          else {
            for (const p of report.problems) console.log(`  ${p.key}: ${p.problem}`);
            console.log(
              `${report.sweep} revision ${report.revision}: ${report.objects} objects, ${formatBytes(report.bytes)}, ` +
                (report.problems.length === 0
                  ? `all match the manifest${opts.deep ? ' (content hashed)' : ''}.`
                  : `${report.problems.length} problem(s).`),
            );
          }
          if (report.problems.length > 0) {
            throw new SyncError(
              'integrity',
              `${report.problems.length} object(s) of ${name} don't match the manifest.`,
              'Sync the sweep again from its folder to repair them.',
            );
          }
        } finally {
          await app.close();
        }
      }),
    );
}
