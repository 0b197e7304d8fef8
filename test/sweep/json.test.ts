import { describe, expect, it } from 'vitest';
import type { SyncError } from '../../src/core/model/errors.js';
import { parseJsonLossless } from '../../src/core/sweep/json.js';

const category = (text: string) => {
  try {
    parseJsonLossless(text, 'aggregate/summary.json');
    return 'ok';
  } catch (e) {
    return (e as SyncError).category;
  }
};

describe('parseJsonLossless', () => {
  it('parses like JSON.parse where nothing is lost', () => {
    const text =
      '{"a": 1, "b": [1.0, 0.25, 2.5e-05, -3], "c": {"d": null, "e": true, "f": false}, "g": "x\\"y\\u00e9"}';
    expect(parseJsonLossless(text)).toEqual(JSON.parse(text));
  });

  it('keeps numbers a JS number would change as their text', () => {
    expect(
      parseJsonLossless(
        '[0.4861497874835116517660852997, 12345678901234567890, 0E-28, 14999.99999999999999999999999]',
      ),
    ).toEqual(['0.4861497874835116517660852997', '12345678901234567890', 0, '14999.99999999999999999999999']);
  });

  it("accepts Python's NaN and Infinity as strings", () => {
    expect(parseJsonLossless('{"m": NaN, "p": Infinity, "n": -Infinity}')).toEqual({
      m: 'NaN',
      p: 'Infinity',
      n: '-Infinity',
    });
  });

  it('keeps a __proto__ key as data', () => {
    const v = parseJsonLossless('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it('calls cut-off text not-ready and other damage integrity', () => {
    for (const t of [
      '',
      '  ',
      '{',
      '{"total_pairs": 3',
      '{"a": [1, 2',
      '{"a": "xy',
      '{"a": tr',
      '{"a": 1.',
      '{"a": 1,',
      '{"a"',
    ])
      expect(category(t), t).toBe('not-ready');
    for (const t of ['{"a": 1}}', '{a: 1}', '[1 2]', '{"a": @}']) expect(category(t), t).toBe('integrity');
  });
});
