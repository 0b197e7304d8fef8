/**
 * A restore under a low limit of open files (`ulimit -n`). Objects are restored a few at once, each
 * holding some files open (its body, the files being written); when the process runs out of file
 * descriptors (EMFILE, ENFILE) the object that met it is restored again once fewer objects are in flight
 * — down to one at a time — instead of failing the restore. Only when one object alone is too many does
 * the restore fail, as too many open files. Removing a staging folder needs descriptors too (it lists
 * folders), so the clean-up waits for them rather than leaving partial files behind.
 */
import { lstat, readdir, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOutOfFileDescriptors, osErrorCode } from '../model/osErrors.js';

/** Admits at most `limit` at once; the limit only goes down, each time descriptors ran out. */
export class OpenFilesGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private limit: number) {}

  /** Waits for a place; returns the limit it was admitted under. */
  async enter(): Promise<number> {
    while (this.running >= this.limit) await new Promise<void>((wake) => this.waiting.push(wake));
    this.running++;
    return this.limit;
  }

  leave(): void {
    this.running--;
    // Everyone waiting looks again: the limit may have changed meanwhile.
    for (const wake of this.waiting.splice(0)) wake();
  }

  /**
   * Called by one that ran out of descriptors (while still inside), with the limit it was admitted under:
   * fewer at once from now on, at least one fewer than are in now. False when it was admitted under a
   * limit of one — it was alone, so one alone is too many and waiting won't help. (Several that fail at
   * the same moment narrow it together; none of them was alone, so each is tried again.)
   */
  narrow(admittedUnder: number): boolean {
    if (admittedUnder === 1) return false;
    this.limit = Math.max(1, Math.min(this.limit - 1, this.running - 1));
    return true;
  }
}

/** Runs `attempt` inside `gate`, again (after narrowing it) for as long as it runs out of descriptors. */
export async function withinOpenFiles<T>(gate: OpenFilesGate, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    const admittedUnder = await gate.enter();
    try {
      return await attempt();
    } catch (e) {
      if (!isOutOfFileDescriptors(e) || !gate.narrow(admittedUnder)) throw e;
    } finally {
      gate.leave();
    }
  }
}

/**
 * rm -rf that rides out a shortage of descriptors. Node's rm lists the folders of a tree all at once (one
 * descriptor each), so under a low limit it can keep failing however often it retries; then the tree is
 * removed one entry at a time, which needs one descriptor at most, waiting for it while there is none.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
  } catch (e) {
    if (!isOutOfFileDescriptors(e)) throw e;
    await removeOneByOne(path);
  }
}

async function removeOneByOne(path: string): Promise<void> {
  const info = await patiently(() => lstat(path));
  if (!info) return;
  if (info.isDirectory()) {
    for (const name of (await patiently(() => readdir(path))) ?? []) await removeOneByOne(join(path, name));
    await patiently(() => rmdir(path));
  } else await patiently(() => unlink(path));
}

/** `op`, tried again while no descriptor is free (up to ~10 s); what is gone already is null. */
async function patiently<T>(op: () => Promise<T>): Promise<T | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (osErrorCode(e) === 'ENOENT') return null;
      if (!isOutOfFileDescriptors(e) || attempt >= 50) throw e;
      await sleep(Math.min(20 * attempt, 200));
    }
  }
}
