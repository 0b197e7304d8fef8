/**
 * Lossless JSON straight from a file's bytes, without building the value's tree: the catalog text of a
 * summary.json (exactly `JSON.stringify(parseJsonLossless(text))`, as UTF-8) and a check that a file is
 * whole JSON. A 50 MB summary parsed into a tree takes several hundred MB of heap (and its decoded text
 * as much again when it holds one non-ASCII character); this scanner reads the file in pieces through a
 * small window and holds nothing but its output.
 *
 * json.ts stays the definition of what is accepted and how a value is read (see parseJsonLossless: exact
 * decimals and big integers kept as their text, Python's NaN/Infinity, torn files told apart from damaged
 * ones). This scanner follows the same grammar; whenever it can't answer exactly as the tree would — the
 * text is not valid (the tree parser then reports why, word for word), a string holds a NUL (the catalog
 * drops those with a warning naming where: preflight.ts, on the tree) or bytes that are not UTF-8 (the
 * catalog holds U+FFFD, with a warning), or the nesting is deeper than SQLite's JSON functions take — it
 * says so, and the caller takes the tree path, as before.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { JsonText } from '../model/JsonText.js';
import type { Json } from '../model/types.js';
import { parseJsonLossless, sameValue } from './json.js';

/** A JSON file's catalog form. */
export interface CatalogJson {
  /** The value's catalog text; null when the value is JSON `null` (catalogued as no value). */
  text: JsonText | null;
  /** The top-level object's members asked for (when present), parsed; null when the value is no object. */
  fields: { [key: string]: Json } | null;
}

export interface ScanOptions {
  /** Bytes read from the file at a time (default 1 MiB; the tests use a few bytes, to cut every token). */
  windowBytes?: number;
}

/**
 * The catalog form of `bytes`, with the top-level members named in `pick` parsed; null when the tree path
 * must answer (see the file comment).
 */
export function catalogJsonOf(bytes: Buffer, pick: readonly string[]): CatalogJson | null {
  return catalogForm(new Scanner(bytes, outputFor(bytes.length), pick));
}

/**
 * catalogJsonOf of the file at `path`, read in pieces (no copy of the file in memory). Null when the tree
 * path must answer; throws the file system's error (ENOENT included) as readFile would.
 */
export function catalogJsonOfFile(
  path: string,
  pick: readonly string[],
  options: ScanOptions = {},
): CatalogJson | null {
  return withFile(path, (fd, size) =>
    catalogForm(new Scanner(fd, outputFor(size), pick, options.windowBytes)),
  );
}

/**
 * Throws what parseJsonLossless throws for the text of `bytes` (SyncError 'not-ready' for a torn file,
 * 'integrity' for damage), without building the tree when the text is fine.
 */
export function checkJsonLossless(bytes: Buffer, file: string): void {
  if (new Scanner(bytes, null, []).run()) return;
  // Not valid, or too deep for the scanner: the tree parser tells which, exactly as it always has.
  parseJsonLossless(bytes.toString('utf8'), file);
}

/**
 * checkJsonLossless of the file at `path` (named `file` in errors), read in pieces; false when there is
 * no such file. Only a file that fails the check is read whole, for the tree parser's exact error.
 */
export function checkJsonFile(path: string, file: string, options: ScanOptions = {}): boolean {
  let valid: boolean;
  try {
    valid = withFile(path, (fd) => new Scanner(fd, null, [], options.windowBytes).run());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  if (!valid) {
    const fd = openSync(path, 'r');
    let text: string;
    try {
      text = readWhole(fd).toString('utf8');
    } finally {
      closeSync(fd);
    }
    parseJsonLossless(text, file);
  }
  return true;
}

function withFile<T>(path: string, use: (fd: number, size: number) => T): T {
  const fd = openSync(path, 'r');
  try {
    return use(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

function readWhole(fd: number): Buffer {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.allocUnsafe(1 << 20);
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(chunk.subarray(0, n));
  }
}

/**
 * Room for the text: untouched capacity costs no memory (only written pages become resident), and the
 * text is rarely longer than the file (indentation goes, quotes around exact decimals come).
 */
function outputFor(fileBytes: number): Buffer {
  return Buffer.allocUnsafeSlow(Math.ceil(fileBytes * 1.1) + 1024);
}

function catalogForm(scanner: Scanner): CatalogJson | null {
  if (!scanner.run()) return null;
  const text = scanner.text();
  const isNull = text.length === 4 && text[0] === 0x6e; // "null"
  return { text: isNull ? null : new JsonText(text), fields: scanner.fields };
}

/** Thrown inside the scanner when it can't answer exactly; never leaves it. */
const STOP = Symbol('tree path');

/** SQLite's JSON functions take at most 1000 levels (json_valid fails beyond): deeper values go the old way. */
const MAX_DEPTH = 900;

/** Objects up to this many members look for a repeated key in a list, larger ones in a Set. */
const LINEAR_KEYS = 16;

const WINDOW_BYTES = 1 << 20;

/** The words json.ts reads, by first byte: their bytes and how the catalog text prints them. */
const WORDS = new Map<number, { bytes: Buffer; printed: Buffer }>(
  (
    [
      ['true', 'true'],
      ['false', 'false'],
      ['null', 'null'],
      // Python's non-finite floats, kept as strings (json.ts).
      ['NaN', '"NaN"'],
      ['Infinity', '"Infinity"'],
      ['-Infinity', '"-Infinity"'],
    ] as const
  ).map(([word, printed]) => [
    word.charCodeAt(0),
    { bytes: Buffer.from(word, 'latin1'), printed: Buffer.from(printed, 'latin1') },
  ]),
);

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/**
 * A key that a JS object lists first, in numeric order (an array index: 0 … 2^32 - 2 in canonical form).
 * JSON.stringify of the tree prints keys in that order, so the text must too.
 */
export function isArrayIndex(key: string): boolean {
  const n = key.length;
  if (n === 0 || n > 10) return false;
  const c0 = key.charCodeAt(0);
  if (c0 === 0x30) return n === 1;
  if (c0 < 0x31 || c0 > 0x39) return false;
  for (let i = 1; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return n < 10 || Number(key) <= 4294967294;
}

/**
 * One pass over the bytes. With an output buffer it writes the catalog text as it goes (validating too);
 * without one it only validates.
 *
 * The bytes are either a whole buffer or a file read through a window: `buf[0, end)` holds the file's
 * bytes from some offset on, and positions (`pos`, a token's start) are indexes into `buf`. more() reads
 * on, first moving the bytes still needed (from a token's start) to the front of the window, so every
 * position held must then be moved back by as much. A token longer than the window grows it.
 */
class Scanner {
  private buf: Buffer;
  private end: number;
  private readonly fd: number | null;
  private eof: boolean;
  private pos = 0;
  private o = 0;
  fields: { [key: string]: Json } | null = null;
  private readonly pick: ReadonlySet<string>;

  constructor(
    source: Buffer | number,
    private out: Buffer | null,
    pick: readonly string[],
    windowBytes = WINDOW_BYTES,
  ) {
    if (typeof source === 'number') {
      this.buf = Buffer.allocUnsafeSlow(Math.max(1, windowBytes));
      this.end = 0;
      this.fd = source;
      this.eof = false;
    } else {
      this.buf = source;
      this.end = source.length;
      this.fd = null;
      this.eof = true;
    }
    this.pick = new Set(pick);
  }

  /** True when the whole text is one valid value (and, with output, its text is complete). */
  run(): boolean {
    try {
      this.ws();
      if (this.pos >= this.end) return false;
      if (this.buf[this.pos] === 0x7b && this.out) this.fields = {};
      this.value(0, true);
      this.ws();
      return this.pos === this.end;
    } catch (e) {
      // STOP: the tree path answers. RangeError: nested too deep for the stack; the tree path meets it too.
      if (e === STOP || e instanceof RangeError) return false;
      throw e;
    }
  }

  text(): Buffer {
    return this.out ? this.out.subarray(0, this.o) : Buffer.alloc(0);
  }

  // ------------------------------------------------------------------ input

  /**
   * Read more of the file, keeping the bytes from `keep` on: returns how far they (and `pos`) moved
   * towards the front, or -1 at the end of the file (then nothing moved).
   */
  private more(keep: number): number {
    if (this.eof || this.fd === null) return -1;
    let buf = this.buf;
    let shift = 0;
    if (this.end === buf.length) {
      const kept = this.end - keep;
      if (kept === buf.length) {
        const grown = Buffer.allocUnsafeSlow(buf.length * 2);
        buf.copy(grown, 0, 0, this.end);
        this.buf = buf = grown;
      } else {
        buf.copy(buf, 0, keep, this.end);
        shift = keep;
        this.end = kept;
        this.pos -= shift;
      }
    }
    const want = buf.length - this.end;
    const n = readSync(this.fd, buf, this.end, want, null);
    this.end += n;
    if (n < want) this.eof = true; // a regular file reads short only at its end
    return n === 0 && shift === 0 ? -1 : shift;
  }

  /** Make `n` bytes from `pos` on available, as far as the file has them. */
  private avail(n: number): void {
    while (this.end - this.pos < n && this.more(this.pos) >= 0) {}
  }

  // ------------------------------------------------------------------ output

  private room(n: number): Buffer {
    let out = this.out!;
    if (this.o + n > out.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(Math.ceil(out.length * 1.5), this.o + n));
      out.copy(grown, 0, 0, this.o);
      this.out = out = grown;
    }
    return out;
  }

  private byte(b: number): void {
    if (!this.out) return;
    this.room(1)[this.o++] = b;
  }

  /** Copy the window's bytes [s, e) to the output. */
  private copy(s: number, e: number): void {
    if (!this.out) return;
    const n = e - s;
    const out = this.room(n);
    if (n < 48) {
      const src = this.buf;
      let o = this.o;
      for (let i = s; i < e; i++) out[o++] = src[i]!;
    } else this.buf.copy(out, this.o, s, e);
    this.o += n;
  }

  private put(bytes: Buffer): void {
    if (!this.out) return;
    const out = this.room(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[this.o++] = bytes[i]!;
  }

  private write(text: string): void {
    if (!this.out) return;
    const n = Buffer.byteLength(text);
    this.o += this.room(n).write(text, this.o, n, 'utf8');
  }

  // ------------------------------------------------------------------ grammar (as json.ts's Parser)

  /** Skip whitespace; afterwards a byte is at `pos`, or the file has ended (`pos === end`). */
  private ws(): void {
    for (;;) {
      const src = this.buf;
      const end = this.end;
      let p = this.pos;
      while (p < end) {
        const c = src[p];
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
        else break;
      }
      this.pos = p;
      if (p < end || this.more(p) < 0) return;
    }
  }

  private value(depth: number, top = false): void {
    const c = this.buf[this.pos];
    if (c === 0x7b) this.object(depth + 1, top);
    else if (c === 0x5b) this.array(depth + 1);
    else if (c === 0x22) this.string(false);
    else this.wordOrNumber(c);
  }

  private wordOrNumber(c: number | undefined): void {
    const word = c === undefined ? undefined : WORDS.get(c);
    if (word && this.at(word.bytes)) {
      this.pos += word.bytes.length;
      this.put(word.printed);
      return;
    }
    this.number(); // "-Infinity" aside, '-' starts a number
  }

  private at(word: Buffer): boolean {
    this.avail(word.length);
    const src = this.buf;
    const p = this.pos;
    if (this.end - p < word.length) return false;
    for (let i = 0; i < word.length; i++) if (src[p + i] !== word[i]) return false;
    return true;
  }

  /**
   * -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? — printed as the tree's number, or as its text when lossy.
   * Scanned again with more of the file when it reaches the window's end (numbers are short).
   */
  private number(): void {
    for (let need = 64; ; need *= 2) {
      this.avail(need);
      const p = this.numberEnd();
      // The scan looks up to two bytes past the number (".5", "e+5"): those must have been there to see.
      if (p + 2 < this.end || this.eof || this.fd === null) {
        this.printNumber(this.pos, p);
        this.pos = p;
        return;
      }
    }
  }

  /** Where the number at `pos` ends (STOP when there is none). */
  private numberEnd(): number {
    // Every read is bounded by `end`: past it, a window holds bytes of an earlier piece of the file.
    const src = this.buf;
    let p = this.pos;
    if (src[p] === 0x2d) p++;
    const d0 = p < this.end ? src[p] : undefined;
    if (d0 === 0x30) p++;
    else if (d0 !== undefined && d0 >= 0x31 && d0 <= 0x39) {
      p++;
      while (p < this.end && isDigit(src[p])) p++;
    } else throw STOP;
    if (p + 1 < this.end && src[p] === 0x2e && isDigit(src[p + 1])) {
      p += 2;
      while (p < this.end && isDigit(src[p])) p++;
    }
    const e = src[p];
    if (p < this.end && (e === 0x65 || e === 0x45)) {
      let q = p + 1;
      if (q < this.end && (src[q] === 0x2b || src[q] === 0x2d)) q++;
      if (q < this.end && isDigit(src[q])) {
        p = q + 1;
        while (p < this.end && isDigit(src[p])) p++;
      }
    }
    return p;
  }

  private printNumber(start: number, p: number): void {
    if (!this.out) return;
    const src = this.buf;
    const n = p - start;
    let integer = true;
    for (let i = start; i < p && integer; i++) if (!isDigit(src[i]) && src[i] !== 0x2d) integer = false;
    if (integer && n <= 15) {
      // At most 15 digits: a double holds it exactly and prints it alike (only -0 prints as 0).
      if (n === 2 && src[start] === 0x2d && src[start + 1] === 0x30) this.byte(0x30);
      else this.copy(start, p);
      return;
    }
    const text = src.toString('latin1', start, p);
    const shown = String(Number(text));
    if (shown === text) this.copy(start, p);
    else if (sameValue(text, shown)) this.write(shown);
    else {
      this.byte(0x22);
      this.copy(start, p);
      this.byte(0x22);
    }
  }

  /** A string (at its opening quote), printed as JSON.stringify prints it; its value when `want`. */
  private string(want: boolean): string | undefined {
    let src = this.buf;
    let end = this.end;
    let start = this.pos;
    let p = start + 1;
    let escaped = false;
    let control = false;
    let high = false;
    for (;;) {
      if (p >= end) {
        const shift = this.more(start);
        if (shift < 0) throw STOP;
        start -= shift;
        p -= shift;
        src = this.buf;
        end = this.end;
        continue;
      }
      const c = src[p]!;
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        p += 2;
      } else {
        if (c < 0x20) control = true;
        else if (c >= 0x80) high = true;
        p++;
      }
    }
    p++;
    this.pos = p;
    // Bytes that are not UTF-8 (the only place they can be: anywhere else the scan stops) go the tree way.
    if (high && this.out && !isUtf8(src.subarray(start, p))) throw STOP;
    if (!escaped && !control) {
      // Nothing JSON.stringify would escape (valid UTF-8 holds no lone surrogate): the bytes as they are.
      this.copy(start, p);
      return want ? src.toString('utf8', start + 1, p - 1) : undefined;
    }
    let value: string;
    if (escaped) {
      try {
        value = JSON.parse(src.toString('utf8', start, p)) as string;
      } catch {
        throw STOP; // an invalid escape, or a raw control character beside an escape
      }
    } else value = src.toString('utf8', start + 1, p - 1);
    if (this.out) {
      if (value.includes('\u0000')) throw STOP;
      this.write(JSON.stringify(value));
    }
    return value;
  }

  private array(depth: number): void {
    if (depth > MAX_DEPTH) throw STOP;
    this.pos++;
    this.byte(0x5b);
    this.ws();
    if (this.pos < this.end && this.buf[this.pos] === 0x5d) {
      this.pos++;
      this.byte(0x5d);
      return;
    }
    for (;;) {
      this.ws();
      if (this.pos >= this.end) throw STOP;
      this.value(depth);
      this.ws();
      const c = this.pos < this.end ? this.buf[this.pos++] : undefined;
      if (c === 0x5d) break;
      if (c !== 0x2c) throw STOP;
      this.byte(0x2c);
    }
    this.byte(0x5d);
  }

  private object(depth: number, top: boolean): void {
    if (depth > MAX_DEPTH) throw STOP;
    const emit = this.out !== null;
    this.pos++;
    this.byte(0x7b);
    this.ws();
    if (this.pos < this.end && this.buf[this.pos] === 0x7d) {
      this.pos++;
      this.byte(0x7d);
      return;
    }
    const begin = this.o;
    // Each member's key and its [start, end) in the output, to put them in JS object order if needed.
    const keys: string[] = [];
    const bounds: number[] = [];
    let seen: Set<string> | null = null;
    let reorder = false;
    for (;;) {
      this.ws();
      if (this.pos >= this.end || this.buf[this.pos] !== 0x22) throw STOP;
      const memberAt = this.o;
      const key = this.string(emit);
      this.ws();
      if (this.pos >= this.end || this.buf[this.pos] !== 0x3a) throw STOP;
      this.pos++;
      this.byte(0x3a);
      this.ws();
      if (this.pos >= this.end) throw STOP;
      const valueAt = this.o;
      this.value(depth);
      if (key !== undefined) {
        if (top && this.pick.has(key)) this.keepField(key, valueAt);
        if (!reorder) {
          if (keys.length >= LINEAR_KEYS) seen ??= new Set(keys);
          reorder = isArrayIndex(key) || (seen ? seen.has(key) : keys.includes(key));
          seen?.add(key);
        }
        keys.push(key);
        bounds.push(memberAt, this.o);
      }
      this.ws();
      const c = this.pos < this.end ? this.buf[this.pos++] : undefined;
      if (c === 0x7d) break;
      if (c !== 0x2c) throw STOP;
      this.byte(0x2c);
    }
    if (reorder) this.inObjectOrder(begin, keys, bounds);
    this.byte(0x7d);
  }

  /** A picked top-level member, parsed from its catalog text (a repeated key: the last one, as the tree). */
  private keepField(key: string, valueAt: number): void {
    const value = JSON.parse(this.out!.toString('utf8', valueAt, this.o)) as Json;
    Object.defineProperty(this.fields, key, { value, enumerable: true, writable: true, configurable: true });
  }

  /**
   * Rewrite an object's members (from `begin` to the end of the output) in the order the tree has them:
   * array-index keys first, ascending; then the others in the order they first appear; a repeated key
   * in its first place with its last value (json.ts defines each key in turn).
   */
  private inObjectOrder(begin: number, keys: string[], bounds: number[]): void {
    const slot = new Map<string, number>();
    const chosen: number[] = [];
    keys.forEach((k, i) => {
      const s = slot.get(k);
      if (s === undefined) {
        slot.set(k, chosen.length);
        chosen.push(i);
      } else chosen[s] = i;
    });
    const indexes = chosen
      .filter((i) => isArrayIndex(keys[i]!))
      .sort((a, b) => Number(keys[a]) - Number(keys[b]));
    const named = chosen.filter((i) => !isArrayIndex(keys[i]!));
    const out = this.out!;
    const parts: Buffer[] = [];
    for (const i of [...indexes, ...named]) {
      if (parts.length > 0) parts.push(COMMA);
      parts.push(out.subarray(bounds[2 * i]!, bounds[2 * i + 1]!));
    }
    const members = Buffer.concat(parts); // a copy: the parts lie in the range rewritten
    members.copy(out, begin);
    this.o = begin + members.length;
  }
}

const COMMA = Buffer.from(',');
