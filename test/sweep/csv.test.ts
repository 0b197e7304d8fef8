import { describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import { parseCsv } from '../../src/core/sweep/csv.js';

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
