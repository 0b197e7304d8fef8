import { describe, expect, it } from 'vitest';
import { countComparisonRows, countRegistryRows, readAggregates } from '../../src/core/sweep/aggregates.js';
import { detectLayout } from '../../src/core/sweep/layout.js';
import {
  balancedSweepFiles,
  csv,
  REGISTRY_25,
  REGISTRY_26,
  registry,
  tempDirs,
  writeTree,
} from './helpers.js';

const tmp = tempDirs();

describe('readAggregates', () => {
  it('reads comparison, summary (raw and parsed), registries and job manifests', async () => {
    const dir = await tmp();
    const summary =
      '{"total_pairs": 2, "mean_trading_effect": 0.4861497874835116517660852997, "mean_x": NaN, "config": {"kappas": ["0.5", "1"]}}';
    await writeTree(dir, {
      ...balancedSweepFiles(2),
      'aggregate/summary.json': summary,
      'castle-river-mountain-forest/job_manifest.json':
        '{\n  "job_id": "castle-river-mountain-forest",\n  "status": "completed"\n}',
    });
    const layout = await detectLayout(dir);
    const a = await readAggregates(dir, layout);
    expect(a.comparison?.path).toBe('aggregate/comparison.csv');
    expect(a.comparison?.table.rows).toHaveLength(2);
    expect(a.comparison?.table.rows[0]).toMatchObject({
      delta_passive: '0E-28',
      trading_relief_ratio: '14999.99999999999999999999999',
      dealer_total_pnl: null,
    });
    expect(a.summary?.raw).toBe(summary);
    expect(a.summary?.data).toEqual({
      total_pairs: 2,
      mean_trading_effect: '0.4861497874835116517660852997',
      mean_x: 'NaN',
      config: { kappas: ['0.5', '1'] },
    });
    expect(a.registries.map((r) => [r.branch, r.table.rows.length])).toEqual([
      ['passive', 2],
      ['active', 2],
    ]);
    expect(a.jobManifests).toEqual([
      expect.objectContaining({ jobId: 'castle-river-mountain-forest', status: 'completed' }),
    ]);
    expect(countComparisonRows(a)).toBe(2);
    expect(countComparisonRows({ aggregates: a })).toBe(2);
    expect(countRegistryRows(a)).toBe(4);
  });

  it('parses both registry variants by header name', async () => {
    const dir = await tmp();
    const runs = [
      { run_id: 'grid_0000000000aa', status: 'completed', kappa: '0.25' },
      { run_id: 'grid_0000000000bb', status: 'failed', kappa: '2', error: 'boom, "quoted"' },
    ];
    await writeTree(dir, {
      'control/registry/experiments.csv': registry(REGISTRY_26, runs),
      'treatment/registry/experiments.csv': registry(REGISTRY_25, runs),
    });
    const a = await readAggregates(dir, await detectLayout(dir));
    const [newer, older] = a.registries;
    expect(newer!.table.header).toHaveLength(26);
    expect(older!.table.header).toHaveLength(25);
    for (const r of [newer!, older!]) {
      expect(r.table.rows.map((row) => [row.run_id, row.status, row.kappa, row.error])).toEqual([
        ['grid_0000000000aa', 'completed', '0.25', null],
        ['grid_0000000000bb', 'failed', '2', 'boom, "quoted"'],
      ]);
    }
    expect(older!.table.rows[0]!.dealer_enabled).toBeUndefined();
    expect(a.comparison).toBeNull();
    expect(a.summary).toBeNull();
    expect(countComparisonRows(a)).toBeNull();
  });

  it('reads a ring sweep results.csv as its comparison table', async () => {
    const dir = await tmp();
    await writeTree(dir, {
      'registry/experiments.csv': registry(REGISTRY_26, [
        { run_id: 'grid_000000000001', status: 'completed' },
      ]),
      'runs/grid_000000000001/run.html': 'x',
      'aggregate/results.csv': csv(['run_id', 'phi_total'], [['grid_000000000001', '0E-28']]),
    });
    const a = await readAggregates(dir, await detectLayout(dir));
    expect(a.comparison).toEqual({
      path: 'aggregate/results.csv',
      table: { header: ['run_id', 'phi_total'], rows: [{ run_id: 'grid_000000000001', phi_total: '0E-28' }] },
    });
    expect(a.registries[0]!.branch).toBe('');
  });

  it('throws not-ready for a half-written comparison, registry or summary', async () => {
    for (const [file, text] of [
      ['aggregate/comparison.csv', 'kappa,seed\r\n1,4'],
      ['passive/registry/experiments.csv', ''],
      ['aggregate/summary.json', '{"total_pairs": 2, "comp'],
    ] as const) {
      const dir = await tmp();
      await writeTree(dir, { ...balancedSweepFiles(1), [file]: text });
      await expect(readAggregates(dir, await detectLayout(dir)), file).rejects.toMatchObject({
        category: 'not-ready',
        message: expect.stringContaining(`${file} is still being written`),
      });
    }
  });
});
