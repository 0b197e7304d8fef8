/**
 * `Buffer.from(JSON.stringify(value))` — the same bytes — without ever holding the whole text as a JS
 * string. A big sweep's manifest is ~25 MB of JSON: stringified whole it was a 25 MB string plus its
 * 25 MB of UTF-8, and every database that took the string made its own copies on top. Here the text is
 * made a slice at a time (PIECE_CHARS), as often as it is needed: to count and hash its bytes
 * (jsonUtf8Digest), and to hand them on in chunks as they are made (jsonUtf8Chunks: a store's upload,
 * the journal's parts, never all of them at once).
 *
 * Only what can be big is taken apart: arrays longer than BIG_ARRAY, and the arrays and objects that hold
 * one. Everything else goes through JSON.stringify as a unit, so the rules (key order, undefined members
 * left out, `null` for undefined in arrays, numbers, escapes) are JSON.stringify's own.
 */

import { createHash } from 'node:crypto';

/**
 * Every string made here stays below V8's large-object size (128 KB): a bigger one goes to a mapping
 * of its own, which counts in the process's memory until the next full collection, whereas small
 * short-lived strings are freed by the young generation's quick collections. A manifest's file entry
 * is ~200 characters (a long path ~600, two bytes each if not Latin-1), so a slice of 128 is at most
 * ~150 KB only for such paths, 25 KB as a rule; a piece is one slice or several up to PIECE_CHARS.
 */
/** Arrays at most this long, holding nothing big, are stringified whole. */
const BIG_ARRAY = 128;
/** Elements of a big array stringified at once (one JSON.stringify call per slice, not per element). */
const SLICE = 128;
/** Text gathered before it is counted or written. */
const PIECE_CHARS = 16 * 1024;

/** The byte count and sha256 (hex) of the UTF-8 of `JSON.stringify(value)`, none of it held. */
export function jsonUtf8Digest(value: unknown): { size: number; sha256: string } {
  const hash = createHash('sha256');
  let size = 0;
  for (const piece of pieces(value)) {
    size += Buffer.byteLength(piece);
    hash.update(piece); // as UTF-8; a piece never ends inside a surrogate pair (see pieces)
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * The same bytes in chunks of exactly `chunkBytes` (the last one shorter), each a Buffer of its own
 * that the consumer may keep, made only as the consumer asks for the next. A chunk may end inside a
 * character: these are bytes, to be joined, not text.
 */
export function* jsonUtf8Chunks(value: unknown, chunkBytes: number): Generator<Buffer> {
  let chunk = Buffer.allocUnsafe(chunkBytes);
  let at = 0;
  for (const piece of pieces(value)) {
    const bytes = Buffer.from(piece);
    for (let from = 0; from < bytes.length; ) {
      const copied = bytes.copy(chunk, at, from);
      at += copied;
      from += copied;
      if (at === chunkBytes) {
        yield chunk;
        chunk = Buffer.allocUnsafe(chunkBytes);
        at = 0;
      }
    }
  }
  if (at > 0) yield chunk.subarray(0, at);
}

/**
 * The JSON text of `value`, in pieces of about PIECE_CHARS. A piece ends where one of `parts` does, and
 * each part is whole JSON.stringify output (or punctuation), so no piece ends inside a surrogate pair:
 * each piece has UTF-8 of its own, and the pieces' UTF-8 joined is the whole text's.
 */
function* pieces(value: unknown): Generator<string> {
  let pending = '';
  for (const part of parts(value)) {
    pending += part;
    if (pending.length >= PIECE_CHARS) {
      yield pending;
      pending = '';
    }
  }
  if (pending.length > 0) yield pending;
}

function* parts(value: unknown): Generator<string> {
  if (!isBig(value)) {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined)
      throw new TypeError('jsonUtf8Chunks: the value has no JSON text (undefined or a function)');
    yield text;
    return;
  }
  if (Array.isArray(value)) {
    yield '[';
    if (value.some(isBig)) {
      for (let i = 0; i < value.length; i++) {
        if (i > 0) yield ',';
        const element: unknown = value[i];
        yield* isBig(element) ? parts(element) : [JSON.stringify(element) ?? 'null'];
      }
    } else {
      for (let i = 0; i < value.length; i += SLICE) {
        if (i > 0) yield ',';
        yield JSON.stringify(value.slice(i, i + SLICE)).slice(1, -1); // the elements, without [ ]
      }
    }
    yield ']';
    return;
  }
  yield '{';
  let first = true;
  for (const [key, member] of Object.entries(value as object)) {
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    yield `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    yield* parts(member);
  }
  yield '}';
}

/** Whether a value holds an array too long to stringify whole (plain arrays and objects only). */
function isBig(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > BIG_ARRAY || value.some(isContainerBig);
  if (!isPlainObject(value)) return false;
  const members = value as Record<string, unknown>;
  for (const key in members) if (isContainerBig(members[key])) return true;
  return false;
}
/** isBig, without the cost of a call for the strings and numbers that make most of a manifest. */
const isContainerBig = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && isBig(value);

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false; // Date and the like
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
