/**
 * The restore's staging folder inside the target, and the clean-up of ones a killed restore left behind.
 *
 * A restore streams into `.bilancio-sync-restore-<host>-<pid>-<random>` and moves the verified files out
 * at the end; on any failure it removes the folder itself. Only a process that dies without running its
 * clean-up (SIGKILL, power loss) leaves one, so the next restore into the same target removes every
 * staging folder whose process is gone: one of this machine whose pid no longer runs, and one in the
 * old form without host and pid (written before this naming) once it is an hour old. A staging folder of
 * another machine (a shared drive) or of a restore still running here is left alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

const PREFIX = '.bilancio-sync-restore-';
const OLD_FORM_STALE_MS = 60 * 60 * 1000;
/** A short, path-safe tag of this machine's name. */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

export function stagingFolderName(): string {
  return `${PREFIX}${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Removes the staging folders in `target` that a dead restore left; returns how many. */
export async function removeStaleStaging(target: string): Promise<number> {
  const entries = await readdir(target, { withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const e of entries) {
    if (!e.isDirectory() || !e.name.startsWith(PREFIX)) continue;
    if (!(await isStale(join(target, e.name), e.name.slice(PREFIX.length)))) continue;
    await rm(join(target, e.name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

async function isStale(path: string, rest: string): Promise<boolean> {
  const m = /^([0-9a-f]{8})-(\d+)-[0-9a-f]+$/.exec(rest);
  if (m) return m[1] === HOST_TAG && !processRuns(Number(m[2]));
  const age = await stat(path).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0,
  );
  return age > OLD_FORM_STALE_MS;
}

function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
