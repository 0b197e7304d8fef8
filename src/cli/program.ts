/**
 * The command line proper: commander and every command, loaded by main.ts for anything but `--version`.
 * Each command's action loads what it needs itself (the service, the engine, the server), so parsing a
 * command line costs commander and these small modules only.
 */
import { Command, CommanderError } from 'commander';
import { TOOL_VERSION } from '../core/engine/version.js';
import { EXIT_CODES } from '../shared/constants.js';
import { registerDoctor } from './commands/doctor.js';
import { registerDownload } from './commands/download.js';
import { registerListSweeps } from './commands/listSweeps.js';
import { registerRevisions } from './commands/revisions.js';
import { registerStatus } from './commands/status.js';
import { registerSync } from './commands/sync.js';
import { registerUi } from './commands/ui.js';
import { registerVerify } from './commands/verify.js';
import { registerWatch } from './commands/watch.js';

export async function runProgram(argv: string[]): Promise<void> {
  const program = new Command()
    .name('bilancio-sync')
    .description('Sync bilancio sweeps to a catalog and object storage, and restore them byte for byte.')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  registerSync(program);
  registerListSweeps(program);
  registerDownload(program);
  registerRevisions(program);
  registerStatus(program);
  registerVerify(program);
  registerWatch(program);
  registerDoctor(program);
  registerUi(program);

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; real usage mistakes get the usage exit code.
      process.exitCode = e.exitCode === 0 ? 0 : EXIT_CODES.usage;
    } else {
      throw e;
    }
  }
}
