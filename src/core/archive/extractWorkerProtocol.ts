/**
 * The messages between a restore and its extraction worker (extractInWorker.ts starts it,
 * extractWorkerMain.ts is the worker). One worker extracts one archive, then ends.
 */
import type { AppError } from '../../shared/errors.js';
import type { FileEntry } from '../model/types.js';

export interface ExtractWorkerData {
  destDir: string;
  expected: FileEntry[];
}

/** The OS error an extraction failed on (ENOSPC, EACCES…): the restore words its message from it. */
export interface WireOsError {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

export type ToExtractWorker =
  | { type: 'chunk'; chunk: Uint8Array }
  | { type: 'end' }
  /** The archive's stream failed (the download broke): the worker stops and removes what it wrote. */
  | { type: 'fail'; message: string }
  /** The restore was cancelled. */
  | { type: 'abort' };

export type FromExtractWorker =
  /** Bytes of the archive the worker has taken from its input so far: the sender's window moves on. */
  | { type: 'consumed'; bytes: number }
  /** File bytes taken out of the archive since the last such message (the restore's progress). */
  | { type: 'bytes'; n: number }
  | { type: 'done'; files: string[] }
  | { type: 'error'; error: AppError; os?: WireOsError };
