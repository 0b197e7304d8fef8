// The completion check's tables reach the catalog payload only for the very bytes they were parsed from.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAggregates } from '../../src/core/sweep/aggregates.js';
import { assessCompletion } from '../../src/core/sweep/completion.js';
import { detectLayout } from '../../src/core/sweep/layout.js';
import { ParsedCsvFiles } from '../../src/core/sweep/parsedCsvFiles.js';
import { balancedSweepFiles, setTreeTime, tempDirs, writeTree } from './helpers.js';

const tmp = tempDirs();
const T = Date.UTC(2025, 0, 15, 12, 0, 0);

async function judgedSweep() {
  const dir = await tmp();
  await writeTree(dir, balancedSweepFiles());
  await setTreeTime(dir, T);
  const layout = await detectLayout(dir);
  const parsedCsv = new ParsedCsvFiles();
  const c = await assessCompletion(dir, layout, { now: T + 60_000, parsedCsv });
  expect(c.state).toBe('complete');
  return { dir, layout, parsedCsv };
}

describe('ParsedCsvFiles', () => {
  it('hands the payload the same tables a fresh parse gives, each once', async () => {
    const { dir, layout, parsedCsv } = await judgedSweep();
    const shared = await readAggregates(dir, layout, { parsedCsv });
    expect(shared).toEqual(await readAggregates(dir, layout));
    const registry = layout.registries[0]!.path;
    expect(parsedCsv.take(registry, await readFile(join(dir, registry)))).toBeUndefined();
  });

  it('parses a registry afresh when bilancio rewrote it between the check and the payload', async () => {
    const { dir, layout, parsedCsv } = await judgedSweep();
    const registry = layout.registries[0]!.path;
    const text = await readFile(join(dir, registry), 'utf8');
    const lines = text.split('\r\n');
    await writeFile(join(dir, registry), `${[lines[0], lines[1]].join('\r\n')}\r\n`); // one row left
    const shared = await readAggregates(dir, layout, { parsedCsv });
    const table = shared.registries.find((r) => r.path === registry)!.table;
    expect(table.rows).toHaveLength(1);
  });

  it('still reports invalid UTF-8 in a table it hands on', async () => {
    const { dir, layout } = await judgedSweep();
    const comparison = layout.comparisonPath;
    const bytes = await readFile(join(dir, comparison));
    const bad = Buffer.concat([bytes.subarray(0, bytes.length - 2), Buffer.from([0xff]), bytes.subarray(-2)]);
    await writeFile(join(dir, comparison), bad);
    await setTreeTime(dir, T);
    const parsedCsv = new ParsedCsvFiles();
    await assessCompletion(dir, layout, { now: T + 60_000, parsedCsv });
    const shared = await readAggregates(dir, layout, { parsedCsv });
    expect(shared.invalidUtf8).toEqual([comparison]);
    expect(shared).toEqual(await readAggregates(dir, layout));
  });
});
