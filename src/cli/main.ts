/**
 * The `bilancio-sync` entry. `--version` (or `-V`) alone is answered here, with nothing else loaded — as
 * commander would answer it: the version and a newline on stdout, exit 0; every other command line goes
 * to the program (program.ts: commander and the commands), imported only then. A sync's folder is walked
 * on a worker meanwhile (src/core/sweep/prefetchSweepTree.ts).
 */
import { resolve } from 'node:path';
import { TOOL_VERSION } from '../core/engine/version.js';
import { syncPathArgument } from './syncPathArgument.js';

// A reader that went away (`bilancio-sync sync … | head`) makes every later write fail with EPIPE, and
// an 'error' event nobody listens to would kill the process half way through a sync. What is left to
// print is dropped instead, and the command runs to its end with its own exit code. Any other stream
// error still fails loudly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${TOOL_VERSION}\n`);
} else {
  // A sync's folder is walked on a second core while this one loads the program and the destinations.
  const syncPath = syncPathArgument(args, process.env);
  if (syncPath) (await import('../core/sweep/prefetchSweepTree.js')).prefetchSweepTree(resolve(syncPath));
  const { runProgram } = await import('./program.js');
  await runProgram(process.argv);
}
