import type { Command } from 'commander';
import { EXIT_CODES } from '../../shared/constants.js';
import { renderHint } from '../hints.js';
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
      runCommand(opts, async (service) => {
        const { settings, destinations } = await service.call('settings.get', {});
        const { checks } = await service.call('settings.test', { changes: {} });
        const failed = checks.filter((c) => !c.ok);
        if (opts.json) printJson({ config: { destinations, settings }, checks });
        else {
          for (const c of checks) {
            const hint = renderHint(c.hint);
            console.log(
              `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}\n      ${c.detail}${hint ? `\n      → ${hint}` : ''}`,
            );
          }
        }
        if (failed.length > 0) {
          // The exit code follows the first failure's category (configuration vs transient …).
          process.exitCode = EXIT_CODES[failed[0]!.category ?? 'internal'];
          if (!opts.json) console.error(`${failed.length} of ${checks.length} checks failed.`);
        }
      }),
    );
}
