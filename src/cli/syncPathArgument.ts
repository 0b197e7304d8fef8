/**
 * The folder of a `sync` command line worth walking on a worker while the CLI loads (main.ts,
 * src/core/sweep/prefetchSweepTree.ts), read before commander is even loaded: the first argument after
 * `sync` that is no option and no option's value. A wrong guess only walks a folder nobody asks for.
 *
 * Only when a destination is remote, as far as the variables researchers set for one tell (the
 * configuration itself is not loaded yet): then loading the AWS SDK and pg keeps the main thread busy
 * ~0.15-0.2 s, and the tree is there when the engine wants it — a no-op re-sync to s3rver + PostgreSQL
 * measured 0.73 s against 0.87 s (medians of 10). With the embedded default the engine is ready sooner
 * than the worker, which then only slows the main thread (0.67 s against 0.59 s).
 */
const TAKES_A_VALUE = new Set(['--name', '--type']);
const REMOTE_DESTINATION_VARIABLES = ['R2_ENDPOINT_URL', 'SUPABASE_URL', 'BILANCIO_DATABASE_URL'];

export function syncPathArgument(args: readonly string[], env: NodeJS.ProcessEnv): string | null {
  if (args[0] !== 'sync' || !REMOTE_DESTINATION_VARIABLES.some((v) => env[v])) return null;
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    if (TAKES_A_VALUE.has(arg)) i++;
    else if (arg === '--') return args[i + 1] ?? null;
    else if (!arg.startsWith('-')) return arg;
  }
  return null;
}
