/**
 * gzip output as a series of complete, independent members, the way pigz and bgzip write it, so that
 * several members compress at once on libuv's threadpool while the result stays one ordinary `.gz`
 * (RFC 1952 §2.2: a gzip file is a series of members; gunzip, GNU tar, Python's tarfile and node's
 * Gunzip read them back to back as one stream). One zlib stream would keep one core busy at most.
 *
 * Determinism: the uncompressed bytes are cut at fixed offsets (every `pieceBytes`), which depend only
 * on the bytes written, never on how they were handed in, on timing or on the consumer; each piece is
 * compressed by one zlib stream from an empty dictionary, in one write; members are emitted strictly
 * in order. Each member's header is zlib's default (mtime 0, no name) with the OS byte forced to 3
 * (Unix: zlib writes 10 on Windows and 19 on macOS). So the same bytes in give the same bytes out, for
 * one zlib build. Input shorter than one piece is one member, as a plain gzip stream.
 *
 * Bounded memory: at most `QUEUED_PIECES` members per writer are waiting for a slot, compressing, or
 * compressed and waiting for the consumer, plus the piece being filled (and as many spare piece
 * buffers); `write` waits while that queue is full, and the queue stops emptying while the consumer
 * is full (`emit` returned false, until `resume`), so the consumer's backpressure reaches the producer.
 *
 * Stopping: `stop` makes every later `write`/`end` throw and emits nothing more. zlib can't interrupt
 * a deflate call already running on a thread, so members already compressing are let finish (one piece
 * of work each at most) and thrown away; `settled` resolves once none is left, so a caller that
 * awaits it leaves nothing running.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createGzip, constants as zc } from 'node:zlib';
import { SyncError } from '../model/errors.js';
import { DEFLATE_SLOTS, deflateSlots, type Slots } from './deflateSlots.js';

/**
 * Uncompressed bytes per member. Measured on sweep data (128 MB of ring runs, level 6): compressed
 * size grows by 0.18% against one stream (4 MiB: 0.05%, 16 MiB: 0.005%), and a piece is ~40 ms of
 * deflate, so the per-member overhead (a fresh zlib stream, 18 header/trailer bytes, a thread round
 * trip) is noise. Small pieces keep the read-ahead small: a file is read at most a few MiB ahead of
 * what the consumer has taken, so a file rewritten while its archive is uploading is still caught,
 * and the first bytes reach the upload after one piece, not after 4 or 8 MiB.
 */
export const PIECE_BYTES = 1024 * 1024;
/**
 * Members per writer that are waiting for a slot, compressing, or compressed and waiting for the
 * consumer: as many as there are slots, so one archive alone (a ring sweep) can use them all. Not
 * more: the slots already outnumber the cores (deflateSlots.ts), and every queued piece is file data
 * read ahead of the consumer.
 */
const QUEUED_PIECES = DEFLATE_SLOTS;
/**
 * zlib's output buffer per threadpool call. Sweep data compresses ~5:1, so a 1 MiB piece (~200 KB
 * out) is one call: with zlib's default 16 KB it would be a dozen, and between two calls a compressor
 * idles until the busy main thread gets round to queueing the next one.
 */
const OUT_CHUNK = 256 * 1024;
/** The main thread lets the event loop run after this many bytes, so finished members are emitted. */
const YIELD_EVERY = 256 * 1024;
const GZIP_OS_BYTE = 9;
const GZIP_OS_UNIX = 3;

export interface GzipMemberWriterOptions {
  /** gzip level 0-9 */
  level: number;
  /** Takes each compressed chunk, in order. Returns false when its consumer is full: call `resume` once it drained. */
  emit: (chunk: Buffer) => boolean;
  /** default PIECE_BYTES (tests use small pieces) */
  pieceBytes?: number;
  /** default: the slots the whole process shares */
  slots?: Slots;
}

interface Member {
  /** The compressed member once zlib is done with it. */
  output: Buffer[] | undefined;
  /** Settles (never rejects) once its zlib stream has finished or failed, or it was stopped before it started. */
  settled: Promise<void>;
}

export class GzipMemberWriter {
  /** Members emitted so far. */
  emitted = 0;
  private readonly level: number;
  private readonly emit: (chunk: Buffer) => boolean;
  private readonly pieceBytes: number;
  private readonly slots: Slots;
  /** The piece being filled (allocated on the first byte after a submit). */
  private piece: Buffer | undefined;
  private fillLen = 0;
  /** Piece buffers zlib is done with, for the next pieces: no fresh 1 MiB allocation (and page faults) each. */
  private readonly spare: Buffer[] = [];
  private submitted = 0;
  private sinceYield = 0;
  private readonly queue: Member[] = [];
  private readonly running = new Set<Promise<void>>();
  private paused = false;
  private failure: Error | undefined;
  private readonly stopping = new AbortController();
  /** The producer waiting for room in the queue or for the last member to be emitted. */
  private wake: (() => void) | undefined;

  constructor(options: GzipMemberWriterOptions) {
    this.level = options.level;
    this.emit = options.emit;
    this.pieceBytes = options.pieceBytes ?? PIECE_BYTES;
    this.slots = options.slots ?? deflateSlots;
    if (!Number.isInteger(this.pieceBytes) || this.pieceBytes < 1)
      throw new SyncError('internal', `piece size must be a positive integer, got ${this.pieceBytes}`);
  }

  /** Copies bytes of any length into the pieces; resolves once they are queued (waits while the queue is full). */
  async write(data: Buffer): Promise<void> {
    let at = 0;
    await this.fillWith(data.length, (dest) => {
      at += data.copy(dest, 0, at, at + dest.length);
    });
  }

  /**
   * Has `n` bytes written straight into the pieces, without a copy: `into` is called with consecutive
   * parts of the pieces (more than one when the bytes cross a piece boundary), in order, and must fill
   * each part completely or throw. A part is only valid during its call: once the call returns, the
   * piece may be compressed and its buffer reused.
   */
  async fillWith(n: number, into: (dest: Buffer) => void | Promise<void>): Promise<void> {
    this.check();
    let left = n;
    while (left > 0) {
      this.piece ??= this.spare.pop() ?? Buffer.allocUnsafeSlow(this.pieceBytes);
      const take = Math.min(left, this.pieceBytes - this.fillLen);
      await into(this.piece.subarray(this.fillLen, this.fillLen + take));
      this.check();
      this.fillLen += take;
      left -= take;
      if (this.fillLen === this.pieceBytes) await this.submit();
    }
    this.sinceYield += n;
    if (this.sinceYield >= YIELD_EVERY) {
      this.sinceYield = 0;
      await nextTurn();
      this.check();
    }
  }

  /** Compresses what is left and resolves once the last member has been emitted. */
  async end(): Promise<void> {
    this.check();
    if (this.fillLen > 0 || this.submitted === 0) await this.submit();
    await this.until(() => this.queue.length === 0);
  }

  /** The consumer has room again. */
  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Nothing more is emitted; `write` and `end` throw `reason` from now on. */
  stop(reason: Error): void {
    if (this.failure) return;
    this.failure = reason;
    this.queue.length = 0;
    this.piece = undefined;
    this.spare.length = 0;
    this.fillLen = 0;
    this.stopping.abort(reason);
    this.notify();
  }

  /** Resolves once no zlib stream of this writer is running any more. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  /** Queues the filled piece (it starts compressing once a slot is free), then waits for room. */
  private async submit(): Promise<void> {
    const buffer = this.piece ?? Buffer.alloc(0);
    const piece = this.fillLen === buffer.length ? buffer : buffer.subarray(0, this.fillLen);
    this.piece = undefined;
    this.fillLen = 0;
    this.submitted += 1;
    const member: Member = { output: undefined, settled: Promise.resolve() };
    // Slots are granted in the order asked for, so this writer's members start in order.
    member.settled = this.slots.acquire(this.stopping.signal).then(
      () => {
        if (!this.failure) return this.compress(piece, member);
        this.slots.release();
      },
      () => {}, // stopped while waiting for a slot
    );
    this.running.add(member.settled);
    void member.settled.then(() => this.running.delete(member.settled));
    this.queue.push(member);
    await this.until(() => this.queue.length < QUEUED_PIECES);
  }

  /** One piece as one gzip member, on the threadpool; settles (and gives the slot back) when zlib is done. */
  private compress(piece: Buffer, member: Member): Promise<void> {
    const gzip = createGzip({ level: this.level, strategy: zc.Z_DEFAULT_STRATEGY, chunkSize: OUT_CHUNK });
    const chunks: Buffer[] = [];
    return new Promise<void>((resolve) => {
      gzip.on('data', (c: Buffer) => chunks.push(c));
      gzip.on('end', () => {
        forceOsByte(chunks);
        member.output = chunks;
      });
      gzip.on('error', (e) =>
        this.stop(new SyncError('internal', `gzip failed: ${e.message}`, undefined, { cause: e })),
      );
      gzip.on('close', () => {
        this.slots.release();
        // zlib has read the piece for good: its buffer can take a later piece.
        if (piece.length === this.pieceBytes && !this.failure && this.spare.length < QUEUED_PIECES)
          this.spare.push(piece);
        resolve();
        this.pump();
      });
      gzip.end(piece);
    });
  }

  /** Emits finished members from the head of the queue, in order, while the consumer takes them. */
  private pump(): void {
    while (!this.paused && !this.failure) {
      const head = this.queue[0];
      if (!head?.output) break;
      this.queue.shift();
      this.emitted += 1;
      for (const chunk of head.output) if (!this.emit(chunk)) this.paused = true;
      head.output = undefined;
    }
    this.notify();
  }

  private async until(ready: () => boolean): Promise<void> {
    this.check();
    while (!ready()) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.check();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}

/** zlib's header byte 9 names the OS it ran on; every member says Unix, whatever machine wrote it. */
function forceOsByte(chunks: Buffer[]): void {
  let at = GZIP_OS_BYTE;
  for (const c of chunks) {
    if (at < c.length) {
      c[at] = GZIP_OS_UNIX;
      return;
    }
    at -= c.length;
  }
}
