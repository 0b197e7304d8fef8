/**
 * Relative times: a past event stamped a moment ahead of the window's 1 s clock reads "just now", never
 * "in a moment"; things really in the future (a settle time) keep their future wording.
 */
import { describe, expect, it } from 'vitest';
import { CLOCK_SLACK_MS, formatPast, formatRelative } from '../../src/shared/format.js';

const now = Date.parse('2026-12-01T12:00:00.000Z');
const at = (ms: number) => new Date(now + ms).toISOString();

describe('formatPast (events that already happened)', () => {
  it('reads an event up to a few seconds ahead of the clock as just now', () => {
    for (const ahead of [1, 400, 999, 1_000, 2_500, CLOCK_SLACK_MS])
      expect(formatPast(at(ahead), now)).toBe('just now');
  });
  it('reads the past as formatRelative does', () => {
    expect(formatPast(at(0), now)).toBe('just now');
    expect(formatPast(at(-3_000), now)).toBe('just now');
    expect(formatPast(at(-12_000), now)).toBe('12 s ago');
    expect(formatPast(at(-4 * 60_000), now)).toBe('4 min ago');
  });
  it('leaves a time far in the future (a wrong clock) as it is', () => {
    expect(formatPast(at(60_000), now)).toBe('in 1 min');
    expect(formatPast(null, now)).toBe('—');
  });
});

describe('formatRelative (also the future)', () => {
  it('still says "in a moment" for what settles in a second', () => {
    expect(formatRelative(at(1_000), now)).toBe('in a moment');
    expect(formatRelative(at(30_000), now)).toBe('in 30 s');
  });
});
