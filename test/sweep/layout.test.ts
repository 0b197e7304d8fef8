import { describe, expect, it } from 'vitest';
import type { SyncError } from '../../src/core/model/errors.js';
import { archiveUnitOf, detectLayout } from '../../src/core/sweep/layout.js';
import { balancedSweepFiles, csv, REGISTRY_26, registry, tempDirs, writeTree } from './helpers.js';

const tmp = tempDirs();
const reg = registry(REGISTRY_26, [{ run_id: 'grid_000000000001', status: 'completed' }]);
const manifest = '{"job_id": "castle-river-mountain-forest", "status": "completed"}';

async function layoutOf(files: Record<string, string>) {
  const dir = await tmp();
  await writeTree(dir, files);
  return detectLayout(dir);
}

async function errorOf(files: Record<string, string>): Promise<SyncError> {
  const dir = await tmp();
  await writeTree(dir, files);
  return detectLayout(dir).then(
    () => {
      throw new Error('expected an error');
    },
    (e: SyncError) => e,
  );
}

describe('detectLayout', () => {
  it('recognises a balanced comparison sweep, with its job manifest folder not a branch', async () => {
    const l = await layoutOf({
      ...balancedSweepFiles(),
      'castle-river-mountain-forest/job_manifest.json': manifest,
      'sweep.log': 'log\n',
    });
    expect(l).toEqual({
      type: 'balanced',
      branches: ['passive', 'active'],
      archiveUnits: [
        { name: 'passive', paths: ['passive'] },
        { name: 'active', paths: ['active'] },
      ],
      aggregateDir: 'aggregate',
      comparisonPath: 'aggregate/comparison.csv',
      comparisonExists: true,
      registries: [
        { branch: 'passive', path: 'passive/registry/experiments.csv' },
        { branch: 'active', path: 'active/registry/experiments.csv' },
      ],
      jobManifests: ['castle-river-mountain-forest/job_manifest.json'],
    });
    expect(archiveUnitOf(l, 'passive/runs/x/run.html')?.name).toBe('passive');
    expect(archiveUnitOf(l, 'aggregate/comparison.csv')).toBeNull();
    expect(archiveUnitOf(l, 'castle-river-mountain-forest/job_manifest.json')).toBeNull();
  });

  it('recognises a dealer comparison sweep', async () => {
    const l = await layoutOf({
      'control/registry/experiments.csv': reg,
      'control/runs/comparison_control_000000000001/run.html': 'x',
      'treatment/registry/experiments.csv': reg,
      'aggregate/comparison.csv': csv(['kappa', 'control_run_id'], [['1', 'a']]),
      'aggregate/summary.json': '{}',
    });
    expect(l.type).toBe('dealer');
    expect(l.branches).toEqual(['control', 'treatment']);
    expect(l.archiveUnits.map((u) => u.name)).toEqual(['control', 'treatment']);
    expect(l.registries.map((r) => r.branch)).toEqual(['control', 'treatment']);
  });

  it('recognises a ring sweep: registry/ and runs/ at the root form one "runs" archive', async () => {
    const l = await layoutOf({
      'registry/experiments.csv': reg,
      'runs/grid_000000000001/run.html': 'x',
      'aggregate/results.csv': csv(['run_id'], [['grid_000000000001']]),
      'aggregate/dashboard.html': '<html/>',
      'calm-lake-tall-tree/job_manifest.json': manifest,
    });
    expect(l).toMatchObject({
      type: 'ring',
      branches: [],
      archiveUnits: [{ name: 'runs', paths: ['registry', 'runs'] }],
      comparisonPath: 'aggregate/results.csv',
      comparisonExists: true,
      registries: [{ branch: '', path: 'registry/experiments.csv' }],
      jobManifests: ['calm-lake-tall-tree/job_manifest.json'],
    });
    expect(archiveUnitOf(l, 'registry/experiments.csv')?.name).toBe('runs');
    expect(archiveUnitOf(l, 'runs/grid_000000000001/run.html')?.name).toBe('runs');
  });

  it('recognises an aggregate-only sweep', async () => {
    const l = await layoutOf({
      'aggregate/comparison.csv': csv(['kappa'], [['1']]),
      'aggregate/summary.json': '{}',
      'aggregate/sweep_summary.txt': 'done\n',
    });
    expect(l).toMatchObject({ type: 'aggregate-only', branches: [], archiveUnits: [], registries: [] });
  });

  it('recognises a balanced sweep that has only begun its first branch', async () => {
    const l = await layoutOf({ 'passive/runs/balanced_passive_000000000001/scenario.yaml': 'x' });
    expect(l).toMatchObject({
      type: 'balanced',
      branches: ['passive'],
      aggregateDir: null,
      comparisonExists: false,
    });
    expect(l.registries).toEqual([]);
  });

  it('refuses folders that are not sweeps, saying why', async () => {
    const e = await errorOf({ 'notes.txt': 'hi', 'data/x.csv': 'a\r\n' });
    expect(e.category).toBe('usage');
    expect(e.message).toMatch(/does not look like a bilancio sweep: .*found: .*data\//);
    expect(e.hint).toBeTruthy();
    const mixed = await errorOf({ 'passive/runs/a/x': '1', 'control/runs/b/x': '1' });
    expect(mixed.category).toBe('usage');
    expect(mixed.message).toMatch(/mixes/);
  });

  it('calls an empty folder, or one with only an empty aggregate/ and a job manifest, not-ready', async () => {
    const e = await errorOf({
      'castle-river-mountain-forest/job_manifest.json': '{"status": "running"}',
      'aggregate/': '',
    });
    expect(e.category).toBe('not-ready');
    expect(e.message).toMatch(/only just started/);
    expect((await errorOf({})).category).toBe('not-ready');
    expect((await errorOf({ 'aggregate/notes.md': 'x' })).category).toBe('usage');
  });

  it('says not-found for a missing folder', async () => {
    const dir = await tmp();
    await expect(detectLayout(`${dir}/nope`)).rejects.toMatchObject({ category: 'not-found' });
  });
});
