/**
 * How many gzip members may be compressing at once in this process, across every archive being
 * written: a FIFO counting semaphore that the member writer takes a slot of before it hands a piece
 * to zlib, and gives back once zlib is done with it.
 *
 * Why one limit for the process and not one per archive: SyncEngine writes `archiveConcurrency`
 * archives at once (2 by default) and a ring sweep has one archive, a balanced one two or more. A
 * per-archive figure would give a ring sweep too few compressors or a balanced sweep too many; a
 * process-wide one gives both the same total, and archiveConcurrency only decides how many archives
 * read files at once.
 *
 * Why this total: deflate is pure CPU, so far more members compressing than cores only adds memory
 * and context switches; but one more than the cores is measurably faster (on the 2-core machine, a
 * whole `sync --full` 0.1-0.4 s quicker with 3 than with 2): a compressor that finished waits for the
 * main thread, busy reading and hashing files, to hand it the next piece, and meanwhile the other
 * members keep both cores busy. Every compressing member also holds one of libuv's threads
 * (UV_THREADPOOL_SIZE, default 4), which file reads and the local store's writes need too, so the
 * total stays one thread short of the pool: file I/O never waits behind deflate. With the default
 * pool that is 3 on any machine of 2 cores or more (2 on one core); a bigger UV_THREADPOOL_SIZE lets more cores work.
 */
import { availableParallelism } from 'node:os';

export const DEFLATE_SLOTS = deflateSlotCount(
  availableParallelism(),
  Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10) || 4,
);

export function deflateSlotCount(cores: number, threadpool: number): number {
  return Math.max(1, Math.min(Math.max(2, cores + 1), threadpool - 1));
}

/** A counting semaphore whose waiters are served in order; a waiter can leave the line via its signal. */
export class Slots {
  private free: number;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(count: number) {
    this.free = count;
  }

  /** Resolves once a slot is held (call release exactly once), or rejects if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.free > 0 && this.waiting.length === 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.free += 1;
  }
}

/** The slots every archive of this process shares. */
export const deflateSlots = new Slots(DEFLATE_SLOTS);
