// A ring sweep's catalog rows: each run's registry row with its results.csv metrics merged in (SPEC §2).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalogWrite } from '../../src/core/engine/catalogWrite.js';
import { identifySweep } from '../../src/core/engine/identifySweep.js';
import type { RemoteManifest } from '../../src/core/model/RemoteManifest.js';
import { readAggregates, type SweepAggregates } from '../../src/core/sweep/aggregates.js';
import { generateSweep } from '../fixtures/generator.js';

let work: string;
let aggregates: SweepAggregates;
const manifest = {
  revision: 1,
  createdAt: '2026-12-01T00:00:00.000Z',
  syncedAt: '2026-12-01T00:00:00.000Z',
  sourceHost: 'h',
  files: [],
  objects: [],
  stats: { comparisonRows: null, registryRows: 0, totalBytes: 0 },
  warnings: [],
} as unknown as RemoteManifest;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bsync-cw-'));
  const sweep = await generateSweep({ root: work, name: 'ring', type: 'ring', pairs: 6 });
  const { path, layout } = await identifySweep(sweep.dir);
  aggregates = await readAggregates(path, layout);
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('buildCatalogWrite for a ring sweep', () => {
  it("keeps every registry column and adds the run's results, under result.<name> where the registry has the name", () => {
    const write = buildCatalogWrite({ name: 'ring', owner: 'o', sweepType: 'ring', aggregates, manifest });
    const registry = aggregates.registries[0]!.table;
    const results = aggregates.comparison!.table;
    expect(write.registryRows).toHaveLength(registry.rows.length);
    for (const [i, row] of registry.rows.entries()) {
      const written = write.registryRows[i]!;
      const result = results.rows.find((r) => r.run_id === row.run_id)!;
      const expected: Record<string, string | null> = { ...row };
      for (const k of results.header) expected[k in row ? `result.${k}` : k] = result[k] ?? null;
      expect(written).toEqual({ runId: row.run_id, branch: null, status: row.status, parameters: expected });
    }
    // Spelled out for one run: a shared column keeps both values, a results-only column its own name.
    const first = write.registryRows[0]!.parameters;
    const firstResult = results.rows.find((r) => r.run_id === registry.rows[0]!.run_id)!;
    expect(first.kappa).toBe(registry.rows[0]!.kappa);
    expect(first['result.kappa']).toBe(firstResult.kappa);
    expect(first.max_G_t).toBe(firstResult.max_G_t);
    expect(Object.keys(first)).toEqual([
      ...registry.header,
      ...results.header.map((k) => (registry.header.includes(k) ? `result.${k}` : k)),
    ]);
    expect(write.comparisonRows).toEqual([]);
  });

  it('a results row without a registry row (older ring sweeps) is a row of its own', () => {
    const trimmed: SweepAggregates = {
      ...aggregates,
      registries: [{ ...aggregates.registries[0]!, table: { ...aggregates.registries[0]!.table, rows: [] } }],
    };
    const write = buildCatalogWrite({
      name: 'ring',
      owner: 'o',
      sweepType: 'ring',
      aggregates: trimmed,
      manifest,
    });
    const results = aggregates.comparison!.table.rows;
    expect(write.registryRows).toEqual(
      results.map((r) => ({ runId: r.run_id, branch: null, status: null, parameters: { ...r } })),
    );
  });
});
