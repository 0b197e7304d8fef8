/**
 * The messages between a restore and its extraction worker (extractInWorker.ts starts it,
 * extractWorkerMain.ts is the worker). One worker extracts one archive, then ends.
 */
import type { AppError } from '../../shared/errors.js';
import type { WireOsError } from '../model/osErrors.js';
import type { FileEntry } from '../model/types.js';

export interface ExtractWorkerData {
  destDir: string;
  expected: FileEntry[];
  /** Post verified small files to the restore's thread, which writes them (a restore of one archive). */
  postSmallFiles: boolean;
}

/** One file of a `files` batch: its member name, absolute path, length in the batch and mtime (s). */
export type PostedFile = [name: string, abs: string, length: number, mtimeSec: number];

export type ToExtractWorker =
  /** The archive to extract: the first message, once (a worker may wait for it from its start). */
  | { type: 'start'; job: ExtractWorkerData }
  | { type: 'chunk'; chunk: Uint8Array }
  | { type: 'end' }
  /** The archive's stream failed (the download broke): the worker stops and removes what it wrote. */
  | { type: 'fail'; message: string }
  /** The restore was cancelled. */
  | { type: 'abort' }
  /** A batch of posted small files is on disk (its bytes: the worker's window moves on). */
  | { type: 'written'; bytes: number }
  /** A posted small file could not be written: the worker fails the extraction with this error. */
  | { type: 'write-failed'; name: string; os: WireOsError };

export type FromExtractWorker =
  /** Bytes of the archive the worker has taken from its input so far: the sender's window moves on. */
  | { type: 'consumed'; bytes: number }
  /** File bytes taken out of the archive since the last such message (the restore's progress). */
  | { type: 'bytes'; n: number }
  /** Verified small files for the restore's thread to write: their bytes back to back in `data`. */
  | { type: 'files'; data: ArrayBuffer; files: PostedFile[] }
  /** Before an `error`: folders the worker made that still hold files the restore's thread wrote. */
  | { type: 'left-behind'; dirs: string[] }
  | { type: 'done'; files: string[] }
  | { type: 'error'; error: AppError; os?: WireOsError };
