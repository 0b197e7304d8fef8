// jsonUtf8Chunks must give exactly Buffer.from(JSON.stringify(value)): the bytes of manifest.json in the
// store and of the journal's copy; jsonUtf8Digest their exact size and sha256. Checked on a big manifest-shaped value, on the corner cases of JSON.stringify's
// rules, and on random values that take the big paths (long arrays, nested ones).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jsonUtf8Chunks, jsonUtf8Digest } from '../../src/core/model/jsonUtf8.js';

/** Both agree with JSON.stringify; chunks of 7 bytes end inside characters of two and more bytes. */
function same(value: unknown, chunkBytes = 7): void {
  const expected = Buffer.from(JSON.stringify(value));
  expect(jsonUtf8Digest(value)).toEqual({
    size: expected.length,
    sha256: createHash('sha256').update(expected).digest('hex'),
  });
  const chunks = [...jsonUtf8Chunks(value, chunkBytes)];
  expect(chunks.slice(0, -1).every((c) => c.length === chunkBytes)).toBe(true);
  expect(chunks.at(-1)!.length).toBeGreaterThan(0);
  expect(Buffer.concat(chunks).equals(expected)).toBe(true);
}

function manifestShaped(files: number) {
  const entries = Array.from({ length: files }, (_, i) => ({
    path: `passive/runs/run_${i}/out/événements_${i}.jsonl`,
    size: i * 7,
    mtimeMs: 1712345678901.1235 + i,
    sha256: (i % 16).toString(16).repeat(64),
  }));
  return {
    format: 'bilancio-sync/manifest@1',
    sweep: 's1',
    revision: 3,
    full: true,
    files: entries,
    objects: [
      {
        key: 's1/aggregate/comparison.csv',
        size: 10,
        sha256: 'a'.repeat(64),
        kind: 'aggregate',
        files: ['x'],
      },
      {
        key: 's1/passive.tar.gz',
        size: 1,
        kind: 'archive',
        branch: 'passive',
        files: entries.map((f) => f.path),
      },
    ],
    stats: { comparisonRows: null, registryRows: 2, totalBytes: 10 },
    warnings: ['a "quoted" warning\n'],
  };
}

describe('jsonUtf8', () => {
  it('writes a 30,000-file manifest byte for byte as JSON.stringify does', () => {
    const m = manifestShaped(30_000);
    expect(jsonUtf8Digest(m).size).toBeGreaterThan(5_000_000);
    same(m, 1024 * 1024);
  });

  it("follows JSON.stringify's rules where the value is taken apart", () => {
    const long = (make: (i: number) => unknown) => Array.from({ length: 600 }, (_, i) => make(i));
    same(long((i) => (i % 3 === 0 ? undefined : i % 3 === 1 ? () => i : Symbol('s')))); // null in arrays
    same({ a: undefined, b: () => 1, c: Symbol('x'), list: long((i) => i), d: 2 }); // members left out
    same({ list: long((i) => i), first: undefined }); // the first member written is not preceded by ','
    same(long((i) => [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, 0.1 + i][i % 5]));
    same(long((i) => ['\u2028', '\ud800', '\udc00x', '😀', '"\\', '\u0000'][i % 6])); // escapes, lone surrogates
    same(long((i) => new Date(i * 1e9))); // toJSON
    same({ 2: 'two', b: long(String), 1: 'one', a: 'a' }); // integer keys first, as JSON.stringify orders them
    const bare = Object.assign(Object.create(null) as object, { x: long((i) => ({ i })) });
    same(bare);
    const holey = long((i) => i);
    holey.length = 700; // holes at the end: each is null
    same(holey);
    same([{ nested: [{ deeper: long((i) => ({ i, s: `${i}` })) }] }]); // big arrays below small ones
    same(long(() => ({}))); // empty objects
    same('a string'); // no container at all
    same(null);
    expect(() => jsonUtf8Digest(undefined)).toThrow(TypeError);
    expect(() => [...jsonUtf8Chunks(undefined, 7)]).toThrow(TypeError);
  });

  it('agrees with JSON.stringify on 300 random values', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const leaf = (): unknown =>
      [
        () => Math.floor(random() * 1e6),
        () => random(),
        () => 'é"\n'.repeat(Math.floor(random() * 3)),
        () => null,
        () => true,
        () => undefined,
      ][Math.floor(random() * 6)]!();
    // Containers up to 3 levels deep; a long array (past the 128 elements taken whole) holds leaves or
    // small containers, so the values stay small enough for JSON.stringify.
    const value = (depth: number, small = false): unknown => {
      const r = random();
      if (depth > 3 || r < 0.3) return leaf();
      const long = !small && r > 0.7;
      const n = long ? 200 + Math.floor(random() * 900) : Math.floor(random() * 4);
      if (n > 128) longOnes++;
      if (random() < 0.5) return Array.from({ length: n }, () => value(depth + 1, small || long));
      return Object.fromEntries(
        Array.from({ length: Math.min(n, 6) }, (_, i) => [`k${i}`, value(depth + 1, small || long)]),
      );
    };
    let longOnes = 0;
    for (let i = 0; i < 300; i++) {
      const v = value(0);
      if (v !== undefined) same(v);
    }
    expect(longOnes).toBeGreaterThan(50); // the pieces path was taken, not only JSON.stringify whole
  });
});
