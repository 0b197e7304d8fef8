import type { Command } from 'commander';
import { loadConfig } from '../../core/config/loadConfig.js';
import { runDoctor } from '../../core/doctor.js';
import { type ErrorCategory, EXIT_CODES } from '../../core/errors.js';
import { printJson } from '../output.js';
import { runCommand } from '../run.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .alias('test-connection')
    .description(
      'Check each configured destination for real: a probe object written, read back, deleted; the catalog schema',
    )
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      runCommand(opts, async () => {
        const report = await runDoctor(loadConfig());
        const failed = report.checks.filter((c) => !c.ok);
        if (opts.json) printJson(report);
        else {
          for (const c of report.checks) {
            console.log(
              `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}\n      ${c.detail}${c.hint ? `\n      → ${c.hint}` : ''}`,
            );
          }
        }
        if (failed.length > 0) {
          // The exit code follows the first failure's category (configuration vs transient …).
          process.exitCode = EXIT_CODES[(failed[0]!.category as ErrorCategory | undefined) ?? 'internal'];
          if (!opts.json) console.error(`${failed.length} of ${report.checks.length} checks failed.`);
        }
      }),
    );
}
