import { SyncError } from '../model/errors.js';
import type { Json } from '../model/types.js';

/**
 * JSON parsing that loses nothing bilancio writes.
 *
 * - A number is returned as a JS number only when that number prints back to the same value
 *   (`1.0`, `0.25`, `2.5e-05`, `42`); otherwise (`0.4861497874835116517660852997`, integers beyond 2^53)
 *   its original text is returned as a string, as the `Json` type in types.ts asks.
 * - Python's json module writes `NaN`, `Infinity` and `-Infinity` (e.g. a mean over zero pairs); standard
 *   JSON.parse rejects them, which would make a finished sweep look half-written forever. They are
 *   accepted and kept as the strings "NaN", "Infinity", "-Infinity".
 * - Text that ends before the value does (bilancio writes summary.json and job_manifest.json in place)
 *   is reported as SyncError('not-ready'); other malformed text as SyncError('integrity').
 */
export function parseJsonLossless(text: string, file = 'JSON file'): Json {
  const p = new Parser(text, file);
  p.skipWs();
  if (p.pos >= text.length) throw p.truncated('it is empty');
  const value = p.value();
  p.skipWs();
  if (p.pos < text.length) throw p.bad('unexpected text after the end of the value');
  return value;
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LOOSE_NUMBER_RE = /-?\d*(?:\.\d*)?(?:[eE][+-]?\d*)?/y;

class Parser {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  truncated(why: string): SyncError {
    return new SyncError(
      'not-ready',
      `${this.file} is still being written (${why})`,
      'bilancio writes this file in place; wait until the sweep is finished and quiet.',
    );
  }

  bad(why: string): SyncError {
    return new SyncError(
      'integrity',
      `${this.file} is not valid JSON: ${why} at character ${this.pos}`,
      undefined,
      { code: 'sweep-damaged' },
    );
  }

  /** Running off the end means the writer has not finished; anything else is damage. */
  private fail(why: string): SyncError {
    return this.pos >= this.text.length ? this.truncated('it ends in the middle of a value') : this.bad(why);
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(): Json {
    const t = this.text;
    const c = t[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    for (const [word, v] of WORDS) {
      if (t.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
      // A prefix of a word at the very end of the text ("tr") is a cut-off write.
      if (t.length - this.pos < word.length && word.startsWith(t.slice(this.pos)) && this.pos < t.length) {
        this.pos = t.length;
        throw this.fail('');
      }
    }
    return this.number();
  }

  private number(): Json {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    // "-", "12." or "1e+" at the very end of the text: the number was cut off mid-write.
    LOOSE_NUMBER_RE.lastIndex = this.pos;
    const loose = LOOSE_NUMBER_RE.exec(this.text);
    if (loose && this.pos + loose[0].length >= this.text.length && loose[0].length > (m?.[0].length ?? 0)) {
      this.pos = this.text.length;
      throw this.fail('');
    }
    if (!m) throw this.fail(`unexpected character ${JSON.stringify(this.text[this.pos])}`);
    this.pos += m[0].length;
    const n = Number(m[0]);
    return sameValue(m[0], String(n)) ? n : m[0];
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    let simple = true;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        const raw = t.slice(start, this.pos);
        if (simple) return raw.slice(1, -1);
        try {
          return JSON.parse(raw) as string;
        } catch {
          throw this.bad('invalid escape in a string');
        }
      }
      if (c === 0x5c) {
        simple = false;
        this.pos += 2;
      } else this.pos++;
    }
    throw this.truncated('it ends in the middle of a string');
  }

  private array(): Json[] {
    this.pos++;
    const out: Json[] = [];
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.pos >= this.text.length) throw this.fail('');
      out.push(this.value());
      this.skipWs();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') {
        this.pos--;
        throw this.fail('expected , or ]');
      }
    }
  }

  private object(): { [key: string]: Json } {
    this.pos++;
    const out: { [key: string]: Json } = {};
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') throw this.fail('expected a key');
      const key = this.string();
      this.skipWs();
      if (this.text[this.pos] !== ':') throw this.fail('expected :');
      this.pos++;
      this.skipWs();
      if (this.pos >= this.text.length) throw this.fail('');
      // defineProperty, not assignment: a key named `__proto__` must stay an ordinary key.
      Object.defineProperty(out, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipWs();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') {
        this.pos--;
        throw this.fail('expected , or }');
      }
    }
  }
}

const WORDS: ReadonlyArray<readonly [string, Json]> = [
  ['true', true],
  ['false', false],
  ['null', null],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['-Infinity', '-Infinity'],
];

/** Whether two decimal texts denote the same value: compare normalised digits and exponent. */
export function sameValue(a: string, b: string): boolean {
  return normalise(a) === normalise(b);
}

function normalise(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = int! + frac;
  let e = Number(exp) + int!.length;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  e -= lead;
  digits = digits.replace(/0+$/, '');
  if (digits === '') return '0';
  return `${sign}${digits}e${e}`;
}
