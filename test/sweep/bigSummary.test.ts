/**
 * Issue 12: a summary.json of any size. The catalog text is built straight from the file's bytes
 * (src/core/sweep/jsonBytes.ts), never as a tree: it must be exactly what the tree path stored
 * (JSON.stringify of parseJsonLossless), refuse exactly what parseJsonLossless refuses (with its very
 * errors), and leave to the tree path what only it can do (NUL cleaning, extreme nesting). Then the user's
 * view: a sweep with a 25 MB summary.json syncs through the real CLI to the local default and to
 * PostgreSQL, the catalog holds that summary exactly, list-sweeps lists it, and a restore is byte-identical.
 * (Peak memory is measured by the bench, bench/bigSummary.ts, not here.)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/loadConfig.js';
import { cleanCatalogPayload } from '../../src/core/engine/preflight.js';
import type { Json } from '../../src/core/model/types.js';
import { PostgresCatalog } from '../../src/core/stores/PostgresCatalog.js';
import { writePayload } from '../../src/core/stores/pgCatalogRows.js';
import { SqliteCatalog } from '../../src/core/stores/SqliteCatalog.js';
import { CATALOG_MIGRATIONS } from '../../src/core/stores/sqliteCatalogSchema.js';
import { openSqliteDatabase } from '../../src/core/stores/sqliteDatabase.js';
import { readAggregates, SUMMARY_FIELDS } from '../../src/core/sweep/aggregates.js';
import { parseJsonLossless } from '../../src/core/sweep/json.js';
import {
  catalogJsonOf,
  catalogJsonOfFile,
  checkJsonFile,
  checkJsonLossless,
  isArrayIndex,
} from '../../src/core/sweep/jsonBytes.js';
import { detectLayout } from '../../src/core/sweep/layout.js';
import { type BigSummarySweep, generateBigSummarySweep } from '../fixtures/bigSummary.js';
import { balancedWrite } from '../stores-pg/rows.js';
import { runCli } from '../support/cli.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { hashTree } from '../support/tree.js';
import { balancedSweepFiles, tempDirs, writeTree } from './helpers.js';

const tmp = tempDirs();

/** What the catalog stored before issue 12: the tree, stringified. */
function treeText(text: string): string {
  return JSON.stringify(parseJsonLossless(text, 'aggregate/summary.json'));
}

/** The catalog text the byte scanner gives, or null when it leaves the file to the tree path. */
function scanned(text: string | Buffer) {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const c = catalogJsonOf(bytes, SUMMARY_FIELDS);
  return c && { text: c.text === null ? 'null' : c.text.utf8.toString('utf8'), fields: c.fields };
}

/** parseJsonLossless's error for `text` (category and message), or 'ok'. */
function treeError(text: string): string {
  try {
    parseJsonLossless(text, 'aggregate/summary.json');
    return 'ok';
  } catch (e) {
    return `${(e as { category: string }).category}: ${(e as Error).message}`;
  }
}

function checkError(text: string): string {
  try {
    checkJsonLossless(Buffer.from(text), 'aggregate/summary.json');
    return 'ok';
  } catch (e) {
    return `${(e as { category: string }).category}: ${(e as Error).message}`;
  }
}

const VALID = [
  // bilancio's value quirks (SPEC §1): exact decimals, big integers, Python's non-finite floats
  '{"total_pairs": 3, "completed_pairs": 2, "mean_delta": 0.4861497874835116517660852997, "zero": 0E-28}',
  '[14999.99999999999999999999999, -14999.99999999999999999999999, 12345678901234567890, 9007199254740993]',
  '[NaN, Infinity, -Infinity, 1.0, 2.5e-05, -0, -0.0, 1E5, 1e+21, 1e-7, 1e999, 0.1, 100, 123456789012345]',
  '[1234567890123456, -123456789012345, 0.30000000000000004, 5e-324, 1.7976931348623157e308, 0.10000000000000000000]',
  // strings: escapes, non-ASCII, astral, lone surrogates, raw control characters (accepted unescaped)
  '["a\\"b", "\\\\", "\\/", "\\b\\f\\n\\r\\t", "\\u00e9t\\u00e9", "été → µ", "\\ud83d\\ude00", "😀", "\\ud800", "tab\there", "\u007f", "\u2028"]',
  // keys in JS object order: array indexes first (ascending), a repeated key keeps its first place
  '{"b": 1, "10": 2, "2": 3, "a": 4, "0": 5, "4294967294": 6, "4294967295": 7, "01": 8, "-1": 9, "1.5": 10}',
  '{"a": 1, "b": 2, "a": 3, "c": {"x": 1, "x": [2]}, "b": {"deep": true}}',
  '{"\\u0061": 1, "a": 2, "__proto__": {"x": 1}, "constructor": null, "toString": "s"}',
  `{${Array.from({ length: 40 }, (_, i) => `"k${i % 37}": ${i}`).join(', ')}}`,
  // picked members (config, pair counts) and where they come from
  '{"config": {"kappas": ["0.25", "0.5"], "n_agents": 100}, "config": {"last": 1}, "total_pairs": "7"}',
  // layout: whitespace, empty containers, any top-level value
  ' \r\n\t{ "a" : [ ] , "b" : { } , "c" : [ [ ] , { } ] } \n',
  '[]',
  '"just a string"',
  '42',
  '0.4861497874835116517660852997',
  'true',
  'null',
  `${'['.repeat(800)}1${']'.repeat(800)}`,
];

const INVALID = [
  '',
  '   ',
  '{"total_pairs": 2, "comp',
  '{"a": 1',
  '{"a": tr',
  '[1, 2',
  '"abc',
  '{"a": 1.',
  '{"a": -',
  '{"a": 1e+',
  '{"a": "x\\',
  '{"a": 1}}',
  '{"a" 1}',
  '{"a": 1,}',
  '[1,]',
  '[1 2]',
  '01',
  '1.',
  '.5',
  '+1',
  '"\\x"',
  '"\\u12"',
  '"a\\n\tb"', // a raw tab beside an escape: JSON.parse refuses the string
  'nul',
  'True',
  'nan',
  '{a: 1}',
  "{'a': 1}",
  '\uFEFF{}',
  '{"a": 1} x',
  '[1]]',
];

describe('catalog text from bytes (jsonBytes.ts)', () => {
  it('is exactly the tree path’s JSON.stringify, with the config and pair counts picked out', () => {
    for (const text of VALID) {
      const got = scanned(text);
      expect(got, text).not.toBeNull();
      expect(got!.text, text).toBe(treeText(text));
      const tree = parseJsonLossless(text) as Json;
      if (tree !== null && typeof tree === 'object' && !Array.isArray(tree)) {
        const picked = Object.fromEntries(SUMMARY_FIELDS.filter((k) => k in tree).map((k) => [k, tree[k]]));
        expect(got!.fields, text).toEqual(picked);
      } else expect(got!.fields, text).toBeNull();
      expect(checkError(text), text).toBe('ok');
    }
  });

  it('agrees with the tree path on thousands of random documents full of bilancio quirks', async () => {
    let seed = 12;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const atoms = [
      '0',
      '-0',
      '7',
      '1.0',
      '0.25',
      '2.5e-05',
      '1E5',
      '0E-28',
      '0.4861497874835116517660852997',
      '12345678901234567890',
      '9007199254740993',
      '-3.5',
      '1e400',
      'NaN',
      'Infinity',
      '-Infinity',
      'true',
      'false',
      'null',
      '""',
      '"plain"',
      '"q\\"uote"',
      '"\\u00b5"',
      '"µ"',
      '"\\ud83d\\ude00"',
      '"tab\there"',
      '"\\ud800x"',
    ];
    const keys = [
      '"a"',
      '"b"',
      '"\\u0061"',
      '"0"',
      '"7"',
      '"10"',
      '"01"',
      '"config"',
      '"total_pairs"',
      '"é"',
    ];
    const ws = () => pick(['', '', ' ', '\n  ', '\t', '\r\n']);
    const gen = (depth: number): string => {
      const r = rand();
      if (depth > 4 || r < 0.45) return pick(atoms);
      const n = Math.floor(rand() * 6);
      if (r < 0.7)
        return `[${ws()}${Array.from({ length: n }, () => gen(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
      return `{${ws()}${Array.from({ length: n }, () => `${pick(keys)}${ws()}:${ws()}${gen(depth + 1)}`).join(`,${ws()}`)}${ws()}}`;
    };
    const docs = Array.from({ length: 3000 }, () => `${ws()}${gen(0)}${ws()}`);
    for (const text of docs) expect(scanned(text)?.text, text).toBe(treeText(text));
    // All of them as one file (an array), read 7 bytes at a time.
    const all = `[${docs.join(',')}]`;
    const file = join(await tmp(), 'docs.json');
    await writeFile(file, all);
    expect(catalogJsonOfFile(file, [], { windowBytes: 7 })?.text?.utf8.toString()).toBe(treeText(all));
  });

  it('refuses what parseJsonLossless refuses, with its very error, torn or damaged', () => {
    for (const text of INVALID) {
      const tree = treeError(text);
      expect(tree, text).not.toBe('ok');
      expect(scanned(text), text).toBeNull();
      expect(checkError(text), text).toBe(tree);
    }
    expect(checkError('{"total_pairs": 2, "comp')).toMatch(/^not-ready: .* is still being written/);
    expect(checkError('{"a": 1}}')).toMatch(/^integrity: .* is not valid JSON: unexpected text/);
  });

  it('leaves NULs (the catalog drops them, with a warning) and extreme nesting to the tree path', () => {
    expect(scanned('{"a": "x\\u0000y"}')).toBeNull();
    expect(scanned('{"a\\u0000": 1}')).toBeNull();
    expect(scanned(Buffer.from('{"a": "x\u0000y"}'))).toBeNull();
    const deep = `${'['.repeat(950)}1${']'.repeat(950)}`;
    expect(scanned(deep)).toBeNull();
    expect(checkError(deep)).toBe('ok'); // the tree parser still takes it, as it always did
  });

  it('reads a file through a window of any size, every token cut somewhere, with the same answers', async () => {
    const dir = await tmp();
    const file = join(dir, 'summary.json');
    const texts = [...VALID, ...INVALID, '{"a": "x\\u0000y"}', '{"n": "\u00ff"}', '[1e+5, 2.5E-3, -0.0, 10]'];
    for (const text of texts) {
      await writeFile(file, text);
      const whole = scanned(text);
      const tree = treeError(text);
      for (const windowBytes of [1, 2, 3, 5, 8, 13, 64]) {
        const got = catalogJsonOfFile(file, SUMMARY_FIELDS, { windowBytes });
        expect(
          got && (got.text === null ? 'null' : got.text.utf8.toString()),
          `${text} / ${windowBytes}`,
        ).toBe(whole && whole.text);
        expect(got?.fields ?? null, `${text} / ${windowBytes}`).toEqual(whole?.fields ?? null);
        let check = 'ok';
        try {
          checkJsonFile(file, 'aggregate/summary.json', { windowBytes });
        } catch (e) {
          check = `${(e as { category: string }).category}: ${(e as Error).message}`;
        }
        expect(check, `${text} / ${windowBytes}`).toBe(tree);
      }
    }
    // Bytes that are not UTF-8 in a string: the tree path (the catalog holds U+FFFD, with a warning).
    await writeFile(file, Buffer.from([0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d]));
    expect(catalogJsonOfFile(file, [], { windowBytes: 2 })).toBeNull();
    expect(checkJsonFile(file, 'x', { windowBytes: 2 })).toBe(true);
    expect(checkJsonFile(join(dir, 'absent.json'), 'x')).toBe(false);
    expect(() => catalogJsonOfFile(join(dir, 'absent.json'), [])).toThrow(/ENOENT/);
  });

  it('knows which keys a JS object lists first', () => {
    expect(['0', '7', '10', '4294967294'].every(isArrayIndex)).toBe(true);
    expect(['', '01', '-1', '1.5', '4294967295', '99999999999', 'a', '1a'].some(isArrayIndex)).toBe(false);
  });

  it('reads a summary as catalog text; one with a NUL or invalid UTF-8 as before, cleaned by the preflight', async () => {
    const summary =
      '{"total_pairs": 2, "completed_pairs": 2, "mean": 0.4861497874835116517660852997, "config": {"k": ["1"]}}';
    const dir = await tmp();
    await writeTree(dir, { ...balancedSweepFiles(2), 'aggregate/summary.json': summary });
    const a = await readAggregates(dir, await detectLayout(dir));
    expect(a.summary?.catalog?.text?.utf8.toString()).toBe(treeText(summary));
    expect(a.summary?.catalog?.fields).toEqual({ total_pairs: 2, completed_pairs: 2, config: { k: ['1'] } });
    expect(a.summary?.raw).toBe(summary);
    expect(a.summary?.data).toEqual(parseJsonLossless(summary));
    expect(cleanCatalogPayload(a).aggregates.summary).toBe(a.summary);

    await writeFile(join(dir, 'aggregate/summary.json'), '{"total_pairs": 2, "note": "a\\u0000b"}');
    const nul = await readAggregates(dir, await detectLayout(dir));
    expect(nul.summary?.catalog).toBeUndefined();
    const cleaned = cleanCatalogPayload(nul);
    expect(cleaned.aggregates.summary?.data).toEqual({ total_pairs: 2, note: 'ab' });
    expect(cleaned.warnings.join('\n')).toMatch(/summary\.json: NUL characters in note were dropped/);

    await writeFile(
      join(dir, 'aggregate/summary.json'),
      Buffer.from([...Buffer.from('{"n": "'), 0xff, ...Buffer.from('"}')]),
    );
    const bad = await readAggregates(dir, await detectLayout(dir));
    expect(bad.summary?.catalog).toBeUndefined();
    expect(bad.invalidUtf8).toEqual(['aggregate/summary.json']);
    expect(bad.summary?.data).toEqual({ n: '\uFFFD' });
  });

  it('hands supabase-js (which takes only objects) the summary as the tree it stands for', () => {
    const summary = VALID[0]!;
    const c = catalogJsonOf(Buffer.from(summary), SUMMARY_FIELDS)!;
    const payload = writePayload({ ...balancedWrite('for_rpc', 1), summary: c.text });
    expect(payload.summary).toEqual(parseJsonLossless(summary));
  });

  it('stores the catalog text in SQLite as the same TEXT, its CHECK back on for every other write', async () => {
    const dir = await tmp();
    const file = join(dir, 'catalog.sqlite');
    const catalog = new SqliteCatalog(file);
    await catalog.open();
    const summary = VALID[0]!;
    const c = catalogJsonOf(Buffer.from(summary), SUMMARY_FIELDS)!;
    await catalog.writeSweep({ ...balancedWrite('as_text', 2), summary: c.text });
    expect((await catalog.getSweep('as_text'))?.summary).toEqual(parseJsonLossless(summary));
    expect(await catalog.getSweepListing('as_text')).not.toHaveProperty('summary');
    await catalog.close();
    const db = openSqliteDatabase(file, {
      what: 'test catalog',
      migrations: CATALOG_MIGRATIONS,
      synchronous: 'NORMAL',
      recovery: '',
    });
    try {
      const row = db
        .prepare("SELECT typeof(summary) t, summary FROM sweeps WHERE name = 'as_text'")
        .get() as {
        t: string;
        summary: string;
      };
      expect(row).toEqual({ t: 'text', summary: treeText(summary) });
      expect(() => db.prepare("UPDATE sweeps SET summary = 'not json' WHERE name = 'as_text'").run()).toThrow(
        /CHECK constraint failed/,
      );
    } finally {
      db.close();
    }
  });
});

describe('a sweep with a 25 MB summary.json, through the CLI', () => {
  let work: string;
  let sweep: BigSummarySweep;
  let expected: string;
  let db: TestPostgres;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-bigsum-'));
    sweep = await generateBigSummarySweep({
      root: join(work, 'exp'),
      name: 'big_summary',
      summaryBytes: 25e6,
    });
    expected = treeText(await readFile(sweep.summaryPath, 'utf8'));
    db = await startTestPostgres();
  });
  afterAll(async () => {
    await db?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const cli = (home: string, args: string[], env: Record<string, string> = {}) =>
    runCli(args, { HOME: home, BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0', ...env }, work);

  async function syncListRestore(home: string, env: Record<string, string> = {}): Promise<void> {
    const first = await cli(home, ['sync', sweep.dir, '--full'], env);
    expect(first.stderr).not.toMatch(/error|warning/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/big_summary synced as revision 1/);
    // Again: nothing changed, and the catalog is found to hold the revision (without reading its summary).
    const again = await cli(home, ['sync', sweep.dir, '--full'], env);
    expect(again.stdout).toMatch(/already synced \(revision 1\)/);

    const list = await cli(home, ['list-sweeps', '--json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ name: 'big_summary', revision: 1, pairsTotal: 3, pairsCompleted: 3 }),
    ]);
    const table = await cli(home, ['list-sweeps'], env);
    expect(table.stdout).toMatch(/big_summary\s+balanced\s+1\s+3\/3/);

    const out = join(work, `restored-${Date.now()}`);
    const down = await cli(home, ['download', 'big_summary', out], env);
    expect(down.code).toBe(0);
    expect(await hashTree(out)).toEqual(await hashTree(sweep.dir));
    expect((await readFile(join(out, 'aggregate/summary.json'))).length).toBe(sweep.summaryBytes);
  }

  it('local default: synced, the SQLite catalog holds the exact text the tree path stored, listed, restored', async () => {
    expect(sweep.summaryBytes).toBeGreaterThan(25e6);
    const home = await mkdtemp(join(work, 'home-'));
    await syncListRestore(home);
    const config = loadConfig({ env: { BILANCIO_SYNC_HOME: home }, cwd: home });
    if (config.catalog.kind !== 'sqlite') throw new Error('expected the local SQLite catalog');
    const sqlite = openSqliteDatabase(config.catalog.path, {
      what: 'test catalog',
      migrations: CATALOG_MIGRATIONS,
      synchronous: 'NORMAL',
      recovery: '',
    });
    try {
      const row = sqlite
        .prepare('SELECT summary, config, pairs_total, pairs_completed FROM sweeps')
        .get() as {
        summary: string;
        config: string;
        pairs_total: number;
        pairs_completed: number;
      };
      expect(row.summary === expected).toBe(true); // same bytes (not printed: 25 MB)
      expect(JSON.parse(row.config)).toEqual((JSON.parse(expected) as { config: Json }).config);
      expect([row.pairs_total, row.pairs_completed]).toEqual([3, 3]);
    } finally {
      sqlite.close();
    }
    const catalog = new SqliteCatalog(config.catalog.path);
    await catalog.open();
    try {
      const got = await catalog.getSweep('big_summary', config.owner);
      expect(JSON.stringify(got?.summary) === expected).toBe(true);
    } finally {
      await catalog.close();
    }
  }, 300_000); // several CLI runs on 25 MB: minutes on a loaded machine

  it('PostgreSQL: synced, the catalog’s summary is the same JSON value, listed, restored', async () => {
    const home = await mkdtemp(join(work, 'home-pg-'));
    await syncListRestore(home, { BILANCIO_DATABASE_URL: db.url });
    const sql = new pg.Client(db.url);
    await sql.connect();
    try {
      const { rows } = await sql.query(
        `select summary = $1::jsonb as same, config = ($1::jsonb -> 'config') as same_config,
           pairs_total, pairs_completed from public.sweeps where name = 'big_summary'`,
        [expected],
      );
      expect(rows).toEqual([{ same: true, same_config: true, pairs_total: 3, pairs_completed: 3 }]);
    } finally {
      await sql.end();
    }
    const catalog = new PostgresCatalog(db.url);
    try {
      const got = await catalog.getSweepListing('big_summary');
      expect(got).toMatchObject({ name: 'big_summary', revision: 1, pairsTotal: 3 });
      expect(got).not.toHaveProperty('summary');
    } finally {
      await catalog.close();
    }
  }, 300_000); // several CLI runs on 25 MB: minutes on a loaded machine
});
