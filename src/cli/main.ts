/**
 * The `bilancio-sync` entry. `--version` (or `-V`) alone is answered here, with nothing else loaded — as
 * commander would answer it: the version and a newline on stdout, exit 0; every other command line goes
 * to the program (program.ts: commander and the commands), imported only then.
 */
import { TOOL_VERSION } from '../core/engine/version.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${TOOL_VERSION}\n`);
} else {
  const { runProgram } = await import('./program.js');
  await runProgram(process.argv);
}
