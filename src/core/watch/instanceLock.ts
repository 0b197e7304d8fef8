import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SyncError } from '../model/errors.js';

/**
 * One watcher per journal: two would both sync the same sweeps and each would take the other's running
 * attempt for a crashed one. The lock is a file in the data folder holding the owner's pid; a lock whose
 * process is gone (killed, machine rebooted) is stale and taken over.
 */
export interface InstanceLock {
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

export function acquireWatchLock(dataDir: string): InstanceLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'watch.lock');
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      return {
        release() {
          if (readOwner(file)?.pid === me.pid) unlinkSync(file);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(file);
      if (owner && isAlive(owner)) {
        throw new SyncError(
          'conflict',
          `Another Bilancio Sync watcher is already running (pid ${owner.pid} on ${owner.host}, since ${owner.since}).`,
          {
            text: 'Stop it first, or leave it running: the status shows what it is doing.',
            action: { kind: 'show-status' },
          },
          { code: 'watcher-running' },
        );
      }
      unlinkSync(file); // stale: its process is gone
    }
  }
  throw new SyncError(
    'conflict',
    `Could not take the watcher lock ${file}.`,
    'Remove the file if no watcher runs.',
  );
}

function readOwner(file: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return null; // unreadable (half-written by a killed process): treat as stale
  }
}

function isAlive(owner: LockOwner): boolean {
  // A lock from another host (a shared home folder) can't be checked: respect it.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
