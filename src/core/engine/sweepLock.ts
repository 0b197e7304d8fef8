import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * One sync of a sweep name at a time on this machine. Two syncs of one name that both read "no revision
 * yet" would both write revision 1 to the same keys and one revision would be lost; the second one waits
 * here instead and then sees the first one's revision (it becomes the next revision, or "already synced").
 *
 * Two layers: a promise chain per name inside this process (the watcher and a Sync now in one service),
 * and a lock file `<data folder>/locks/sweep-<name>.lock` holding the owner's pid across processes (two
 * one-shot `sync` commands). A lock whose process is gone (killed, rebooted) is stale and taken over; one
 * from another host (a shared home folder) is respected. Across machines writing one bucket, the commit
 * check in RevisionKeeper.commit is what keeps revisions safe.
 */
export interface SweepLock {
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

const inProcess = new Map<string, Promise<void>>();

export async function acquireSweepLock(
  name: string,
  options: {
    /** The data folder; without it only syncs inside this process are serialised. */
    dir?: string;
    signal?: AbortSignal;
    /** Called once if the lock is held by someone else (a sentence saying who, for a warning). */
    onWait?: (message: string) => void;
    pollMs?: number;
  } = {},
): Promise<SweepLock> {
  const id = `${options.dir ?? ''}\u0000${name}`;
  // In-process: chain behind whoever holds the name.
  let releaseLocal!: () => void;
  const mine = new Promise<void>((r) => (releaseLocal = r));
  const before = inProcess.get(id) ?? Promise.resolve();
  const chained = before.then(() => mine);
  inProcess.set(id, chained);
  let told = false;
  const tell = (message: string) => {
    if (told) return;
    told = true;
    options.onWait?.(message);
  };
  const dropLocal = () => {
    releaseLocal();
    if (inProcess.get(id) === chained) inProcess.delete(id);
  };
  try {
    let waited = false;
    await Promise.race([
      before,
      new Promise<void>((r) =>
        setTimeout(() => {
          waited = true;
          r();
        }, 0),
      ),
    ]);
    if (waited) tell(`Waiting for another sync of ${name} in this app to finish.`);
    await abortable(before, options.signal);
    if (!options.dir) return { release: dropLocal };
    const dir = join(options.dir, 'locks');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `sweep-${encodeURIComponent(name)}.lock`);
    const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    let unreadable = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
        return {
          release() {
            try {
              if (readOwner(file)?.pid === me.pid) unlinkSync(file);
            } catch {
              // already gone
            }
            dropLocal();
          },
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = readOwner(file);
      unreadable = owner ? 0 : unreadable + 1;
      // Dead owner, or a file left half-written by a process killed between create and write.
      if ((owner && !isAlive(owner)) || unreadable > 10) {
        unreadable = 0;
        try {
          unlinkSync(file); // stale: its process is gone
        } catch {
          // someone else took it over first
        }
        continue;
      }
      tell(
        owner
          ? `Waiting for another sync of ${name} (pid ${owner.pid} on ${owner.host}, since ${owner.since}) to finish.`
          : `Waiting for another sync of ${name} to finish (lock ${file}).`,
      );
      await abortable(new Promise((r) => setTimeout(r, options.pollMs ?? 200)), options.signal);
    }
  } catch (e) {
    dropLocal();
    throw e;
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function readOwner(file: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return null; // unreadable or half-written: the writer is about to finish, or it died; see isAlive
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
