/**
 * `Buffer.from(JSON.stringify(value))` — the same bytes — without ever holding the whole text as a JS
 * string. A big sweep's manifest is ~25 MB of JSON: stringified whole it was a 25 MB string plus its
 * 25 MB of UTF-8, and every database that took the string made its own copies on top. Here the text is
 * made a slice at a time, twice: once to count its bytes, once to write them into one buffer of exactly
 * that size. Nothing but that buffer and one slice (~64 KB) is held at any moment.
 *
 * Only what can be big is taken apart: arrays longer than BIG_ARRAY, and the arrays and objects that hold
 * one. Everything else goes through JSON.stringify as a unit, so the rules (key order, undefined members
 * left out, `null` for undefined in arrays, numbers, escapes) are JSON.stringify's own.
 */

/** Arrays at most this long, holding nothing big, are stringified whole. */
const BIG_ARRAY = 256;
/** Elements of a big array stringified at once (one JSON.stringify call per slice, not per element). */
const SLICE = 1024;
/** Text gathered before it is counted or written. */
const PIECE_CHARS = 64 * 1024;

export function jsonUtf8(value: unknown): Buffer {
  let bytes = 0;
  for (const piece of pieces(value)) bytes += Buffer.byteLength(piece);
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const piece of pieces(value)) at += out.write(piece, at);
  if (at !== bytes) throw new Error(`jsonUtf8: wrote ${at} bytes, counted ${bytes}`); // a value changed meanwhile
  return out;
}

/** The JSON text of `value`, in pieces of about PIECE_CHARS. */
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
      throw new TypeError('jsonUtf8: the value has no JSON text (undefined or a function)');
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
