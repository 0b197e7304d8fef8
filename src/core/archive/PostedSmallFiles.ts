/**
 * The extraction worker's SmallFileWriter when the restore's thread writes the files (a restore of a
 * single archive, whose one worker would otherwise un-gzip, verify and write every file alone while
 * the restore's thread idles). Verified files are copied back to back into a batch, and a batch is
 * posted (its buffer transferred, not copied) when full or when the extractor asks how far the
 * writes are; the restore's thread acknowledges each batch once on disk, or says which file failed.
 */
import type { MessagePort } from 'node:worker_threads';
import { osErrorFromWire } from '../model/osErrors.js';
import type { SmallFileWriter } from './ArchiveExtractor.js';
import type { FromExtractWorker, PostedFile, ToExtractWorker } from './extractWorkerProtocol.js';

/** A batch's buffer: ~25 files of a sweep's usual size share one (a gunzipped chunk's worth); a file
 *  larger than this (up to ArchiveExtractor's SMALL_FILE) gets a batch of its own size. */
const BATCH_BYTES = 256 * 1024;

export class PostedSmallFiles implements SmallFileWriter {
  private batch: Buffer | null = null;
  private filled = 0;
  private files: PostedFile[] = [];
  /** Bytes posted and not yet acknowledged. */
  private pending = 0;
  private failure: { name: string; error: Error } | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly port: MessagePort) {}

  /** What the restore's thread answered (extractWorkerMain.ts hands these messages on). */
  receive(m: ToExtractWorker): void {
    if (m.type === 'written') this.pending -= m.bytes;
    else if (m.type === 'write-failed') this.failure ??= { name: m.name, error: osErrorFromWire(m.os) };
    else return;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  write(name: string, abs: string, data: Buffer, mtimeSec: number): void {
    if (this.batch && this.filled + data.length > this.batch.length) this.post();
    this.batch ??= Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, data.length));
    data.copy(this.batch, this.filled);
    this.filled += data.length;
    this.files.push([name, abs, data.length, mtimeSec]);
  }

  failed(): { name: string; error: Error } | undefined {
    return this.failure;
  }

  async drained(bytes: number): Promise<void> {
    this.post();
    while (this.pending > bytes && !this.failure) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  leftBehind(dirs: string[]): void {
    this.port.postMessage({ type: 'left-behind', dirs } satisfies FromExtractWorker);
  }

  private post(): void {
    if (!this.batch || this.files.length === 0) return;
    // The batch's own memory (allocUnsafeSlow, not the pool): transferred, it detaches nothing else.
    const data = this.batch.buffer as ArrayBuffer;
    const message: FromExtractWorker = { type: 'files', data, files: this.files };
    this.port.postMessage(message, [data]);
    this.pending += this.filled;
    this.batch = null;
    this.filled = 0;
    this.files = [];
  }
}
