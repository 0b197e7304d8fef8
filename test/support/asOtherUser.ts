/**
 * The real CLI as a normal user sees the files. The tests run as root, which may read and write
 * everything, so the CLI runs as uid `nobody` then (as the user running the tests otherwise), in a home
 * of its own that it may write in, next to an experiments folder it may read.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliRun, runCli } from './cli.js';

/** uid and gid of `nobody`, whom the CLI runs as when the tests run as root. */
export const NOBODY = 65534;
/** Root passes every permission check: a folder it owns with 0755 is what the other user can't write. */
export const asRoot = process.getuid?.() === 0;

export interface OtherUserFolders {
  /** A temp folder the other user may pass through (0755) but not write in. */
  work: string;
  /** `work/home`: the CLI's home, cwd and TMPDIR, open to everyone (0777). */
  home: string;
  /** `work/exp`: for fixture sweeps, readable by everyone (0755). */
  exp: string;
  dispose(): Promise<void>;
}

export async function otherUserFolders(prefix: string): Promise<OtherUserFolders> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  const home = join(work, 'home');
  const exp = join(work, 'exp');
  await mkdir(home);
  await mkdir(exp);
  // mkdtemp makes 0700 and mkdir follows the umask: set what the other user needs explicitly.
  await chmod(work, 0o755);
  await chmod(home, 0o777);
  await chmod(exp, 0o755);
  return { work, home, exp, dispose: () => rm(work, { recursive: true, force: true }) };
}

/** The real CLI (from source) with `home` as its home and nothing else of this environment but PATH. */
export function runCliAsOtherUser(home: string, args: string[]): Promise<CliRun> {
  const env = {
    HOME: home,
    BILANCIO_SYNC_HOME: home,
    BILANCIO_SYNC_SETTLE_SECONDS: '0',
    BILANCIO_SYNC_FROM_SOURCE: '1',
    TMPDIR: home,
  };
  return runCli(args, env, home, asRoot ? { uid: NOBODY, gid: NOBODY } : undefined);
}
