import type { Readable } from 'node:stream';

/** A body to store: bytes, a one-shot stream, or a factory of fresh streams (lets a store restart the upload). */
export type PutBody = Readable | Buffer | (() => Readable);

/** What a store knows about one object. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** sha256 of the object's bytes, hex, from the store's metadata (undefined if the object has none). */
  sha256: string | undefined;
}

export interface PutOptions {
  contentType?: string;
  /** sha256 of the body if the caller already knows it (small files); checked against what was written. */
  sha256?: string;
  /** Body size if known up front (lets S3 skip multipart for small bodies). */
  size?: number;
  /**
   * For a body whose exact size isn't known yet (an archive being compressed), at most how many bytes
   * it can have: S3 then picks the smallest parts that still fit it in 10,000 (less memory held by the
   * parts in flight). Only sizes the parts; a body that turns out bigger is not refused for it.
   */
  maxSize?: number;
  signal?: AbortSignal;
  /** Called with the number of body bytes sent so far. */
  onProgress?: (bytesSent: number) => void;
}

/**
 * An S3-like key/value store of immutable-once-written objects. Keys use `/` and never start with it.
 * Implementations: LocalFolderObjectStore (embedded default), S3ObjectStore (R2, B2, AWS S3, MinIO).
 *
 * Contract every implementation keeps:
 * - put() is atomic: under `key` there is either the old object or the complete new one, never a part
 *   (temp file + rename; multipart uploads that complete or are aborted).
 * - put() hashes the bytes it actually writes and returns their sha256 and size; it stores the sha256
 *   as object metadata so that head() can report it; it verifies size and hash after writing.
 * - errors are SyncErrors whose category tells transient from configuration from integrity problems.
 */
export interface ObjectStore {
  /** Human description without secrets, e.g. "local folder /home/u/.local/share/bilancio-sync/archive". */
  readonly description: string;
  /** A `() => Readable` factory lets a store restart a failed upload with a fresh stream. */
  put(key: string, body: PutBody, options?: PutOptions): Promise<ObjectInfo>;
  /** A stream of the object's bytes. Throws SyncError('not-found') if there is no such object. */
  get(key: string, options?: { signal?: AbortSignal }): Promise<Readable>;
  /** The object's info, or null if there is no such object. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Server-side copy (keeps the sha256 metadata). */
  copy(fromKey: string, toKey: string): Promise<ObjectInfo>;
  /** Deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Cancel writes under `prefix` that a killed process left unfinished (S3: open multipart uploads, whose
   * parts would otherwise cost space forever). Returns how many were cancelled. Call it only when no other
   * writer works under `prefix` (one sync of a sweep at a time).
   */
  abortIncompleteUploads(prefix: string): Promise<number>;
  close(): Promise<void>;
}
