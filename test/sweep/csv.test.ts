import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import { CSV_PARSE_OPTIONS, parseCsv, splitPlainCsv } from '../../src/core/sweep/csv.js';

const notReady = (text: string) => {
  try {
    parseCsv(text, 'aggregate/comparison.csv');
  } catch (e) {
    expect(e).toBeInstanceOf(SyncError);
    expect((e as SyncError).category).toBe('not-ready');
    expect((e as SyncError).message).toMatch(/^aggregate\/comparison\.csv is still being written \(/);
    return (e as SyncError).message;
  }
  throw new Error('expected not-ready');
};

describe('parseCsv', () => {
  it('keeps every cell exactly as written and maps empty cells to null', () => {
    const text =
      'a,b,c,d,e,f,g\r\n' +
      '0E-28,0.4861497874835116517660852997,True,False,,"{""short"": 1.0, ""mid"": 1.0, ""long"": 1.0}",-14999.99999999999999999999999\r\n';
    const t = parseCsv(text);
    expect(t.header).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(t.rows).toEqual([
      {
        a: '0E-28',
        b: '0.4861497874835116517660852997',
        c: 'True',
        d: 'False',
        e: null,
        f: '{"short": 1.0, "mid": 1.0, "long": 1.0}',
        g: '-14999.99999999999999999999999',
      },
    ]);
  });

  it('handles CRLF, LF and a quoted cell holding a line break', () => {
    expect(parseCsv('x,y\r\n1,"two\r\nlines"\r\n').rows).toEqual([{ x: '1', y: 'two\r\nlines' }]);
    expect(parseCsv('x,y\n1,2\n').rows).toEqual([{ x: '1', y: '2' }]);
  });

  it('reads a header-only file as an empty table', () => {
    expect(parseCsv('x,y\r\n')).toEqual({ header: ['x', 'y'], rows: [] });
  });

  it('keeps a column named __proto__ as an ordinary key', () => {
    const row = parseCsv('__proto__,b\r\n1,2\r\n').rows[0]!;
    expect(Object.keys(row)).toEqual(['__proto__', 'b']);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
  });

  it('reports half-written files as not-ready', () => {
    expect(notReady('')).toMatch(/empty/);
    expect(notReady('x,y\r\n1,2\r\n3,')).toMatch(/not terminated/);
    expect(notReady('x,y\r\n1,2\r')).toMatch(/not terminated/);
    expect(notReady('x,y\r\n1,"{""a"": 1,\r\n')).toMatch(/quoted cell/);
    expect(notReady('x,y,z\r\n1,2,3\r\n4,5\r\n')).toMatch(/2 of 3 cells/);
  });

  it('reports damage that is not a prefix as integrity', () => {
    const cat = (text: string) => {
      try {
        parseCsv(text);
        return 'ok';
      } catch (e) {
        return (e as SyncError).category;
      }
    };
    expect(cat('x,y\r\n1\r\n2,3\r\n')).toBe('integrity');
    expect(cat('x,y\r\n1,2,3\r\n')).toBe('integrity');
    expect(cat('x,x\r\n1,2\r\n')).toBe('integrity');
  });
});

describe('splitPlainCsv (the quick path for tables without quotes)', () => {
  const viaCsvParse = (text: string) => parse(text, CSV_PARSE_OPTIONS) as string[][];

  it('gives what csv-parse gives for every quote-free text with one kind of line ending, and declines the rest', () => {
    // Random texts from the characters that matter: separators, both line endings, CR alone, a BOM,
    // spaces, non-ASCII, quotes. Whatever the quick path accepts must equal csv-parse's reading.
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pieces = ['a', 'bc', '0E-28', ',', ',', ' ', 'é', '💡', '\r\n', '\r\n', '\n', '\r', '"'];
    let accepted = 0;
    let declined = 0;
    for (let i = 0; i < 5000; i++) {
      const crlfOnly = random() < 0.5;
      const noQuotes = random() < 0.8;
      let text = random() < 0.1 ? '\uFEFF' : '';
      const n = Math.floor(random() * 40);
      for (let j = 0; j < n; j++) {
        let p = pieces[Math.floor(random() * pieces.length)]!;
        if (noQuotes && p === '"') p = 'q';
        if (crlfOnly && (p === '\n' || p === '\r')) p = '\r\n';
        text += p;
      }
      text += crlfOnly ? '\r\n' : '\n';
      const quick = splitPlainCsv(text);
      if (quick === null) {
        declined++;
        continue;
      }
      accepted++;
      expect(quick, JSON.stringify(text)).toEqual(viaCsvParse(text));
    }
    // Both branches were exercised, many times.
    expect(accepted).toBeGreaterThan(1000);
    expect(declined).toBeGreaterThan(1000);
  });

  it('reads the tables bilancio writes (CRLF, no quotes) and declines quoted cells, a lone CR and mixed endings', () => {
    const registry =
      'run_id,status,error\r\nbalanced_active_1,completed,\r\n\r\nbalanced_active_2,failed,boom\r\n';
    expect(splitPlainCsv(registry)).toEqual([
      ['run_id', 'status', 'error'],
      ['balanced_active_1', 'completed', ''],
      ['balanced_active_2', 'failed', 'boom'],
    ]);
    expect(splitPlainCsv('\uFEFFa,b\nc,d\n')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(splitPlainCsv('a,b\r\n"c,d",e\r\n')).toBeNull();
    expect(splitPlainCsv('a,b\r\nc\rd,e\r\n')).toBeNull();
    expect(splitPlainCsv('a,b\r\nc,d\ne,f\r\n')).toBeNull();
    expect(splitPlainCsv('a,b\nc,d\r\n')).toBeNull();
    expect(splitPlainCsv('a,b\r\nc,d')).toBeNull();
    // What csv-parse makes of a bare LF inside a CRLF table (part of a cell) is its business: declined.
    expect(splitPlainCsv('a,b\r\n\nc,d\r\n')).toBeNull();
  });
});
