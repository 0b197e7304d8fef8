/** Reading a sweep while the fixture generator writes it the way bilancio does (in place, no atomicity). */
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { isSyncError } from '../../src/core/model/errors.js';
import { assessCompletion } from '../../src/core/sweep/completion.js';
import { detectLayout } from '../../src/core/sweep/layout.js';
import { writeSweepOverTime } from '../fixtures/generator.js';
import { readSnapshot, tempDirs } from './helpers.js';

const tmp = tempDirs();

describe('reading a sweep while it is written', () => {
  for (const type of ['balanced', 'ring'] as const) {
    it(`${type}: never complete before the end, only not-ready/conflict errors, complete after`, async () => {
      const root = await tmp();
      let done = false;
      let pairsWritten = 0;
      const onPair = (i: number) => {
        pairsWritten = i + 1;
      };
      const stop = new AbortController();
      const writing = writeSweepOverTime({
        root,
        type,
        pairs: 6,
        pauseMs: 5,
        extras: true,
        onPair,
        signal: stop.signal,
      }).finally(() => {
        done = true;
      });
      const seen = new Set<string>();
      let dir: string | null = null;
      try {
        await poll();
      } finally {
        // If an assertion failed mid-way, stop the writer before the temp folder is removed.
        stop.abort();
        await writing.catch(() => {});
      }
      async function poll() {
        while (!done) {
          try {
            const dirs = await readdir(root);
            if (!dirs[0]) continue;
            dir = `${root}/${dirs[0]}`;
            // settleMs 0: only the terminal-signal and running-row logic is under test here.
            const s = await readSnapshot(dir, { settleMs: 0, files: true });
            seen.add(s.completion.state);
            // Complete can only be seen once every pair has been written (and the terminal file after it).
            if (s.completion.state === 'complete') expect(pairsWritten).toBe(6);
          } catch (e) {
            if (!isSyncError(e) || !['not-ready', 'conflict'].includes(e.category)) throw e;
            seen.add(e.category);
          }
        }
      }
      const g = await writing;
      expect(dir).toBe(g.dir);
      const c = await assessCompletion(g.dir, await detectLayout(g.dir), { now: Date.now() + 60_000 });
      expect(c.state, c.reason).toBe('complete');
      expect(seen.has('running') || seen.has('not-ready')).toBe(true);
    });
  }
});
