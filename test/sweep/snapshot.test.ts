import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countComparisonRows } from '../../src/core/sweep/aggregates.js';
import { balancedSweepFiles, readSnapshot, setTreeTime, tempDirs, writeTree } from './helpers.js';

const tmp = tempDirs();
const T = Date.UTC(2025, 0, 15, 12, 0, 0);

describe('reading a sweep at one moment', () => {
  it('combines layout, completion, aggregates and files', async () => {
    const dir = await tmp();
    await writeTree(dir, { ...balancedSweepFiles(2), 'sweep.log': 'x\n' });
    await setTreeTime(dir, T);
    const s = await readSnapshot(`${dir}/`, { now: T + 60_000 });
    expect(s.dir).toBe(dir);
    expect(s.name).toBe(dir.split('/').at(-1));
    expect(s.layout.type).toBe('balanced');
    expect(s.completion.state).toBe('complete');
    expect(countComparisonRows(s)).toBe(2);
    expect(s.files.map((f) => f.path)).toContain('sweep.log');
    expect((await readSnapshot(dir, { now: T + 60_000, files: false })).files).toEqual([]);
  });

  it('confirmStillQuiet refuses a sweep that looked finished but has a run file written within the settle window', async () => {
    const dir = await tmp();
    await writeTree(dir, balancedSweepFiles(1));
    await setTreeTime(dir, T);
    const t = (T + 55_000) / 1000;
    await utimes(join(dir, 'passive/runs/balanced_passive_000000000000/run.html'), t, t);
    await expect(readSnapshot(dir, { now: T + 60_000 })).rejects.toMatchObject({ category: 'conflict' });
    // Once that write is older than the settle window too, all is well.
    expect((await readSnapshot(dir, { now: T + 70_000 })).completion.state).toBe('complete');
  });
});
