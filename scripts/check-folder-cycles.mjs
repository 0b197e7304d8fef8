#!/usr/bin/env node
// Folder-level cycles inside src/core: dependency-cruiser's `no-circular` sees module cycles only, but
// engine -> journal -> engine through different modules couples two folders just the same.
// Cruises src/ with the options of .dependency-cruiser.cjs (type-only imports included), collapses every
// module to its folder (src/core/<folder>; files directly in src/core are folder `src/core`) and reports
// each cycle of the folder graph with the module-level imports that make it. Exit 1 on any.
//
// Usage: node scripts/check-folder-cycles.mjs   (from the project root)
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { cruise } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const ROOT = 'src/core';
const MAX_CYCLES = 50;
const MAX_EDGES_SHOWN = 5;

const config = createRequire(import.meta.url)(resolve('.dependency-cruiser.cjs'));
const options = { ...config.options, validate: false, outputType: 'json' };
const tsConfigFile = options.tsConfig?.fileName;
const transpileOptions = tsConfigFile ? { tsConfig: extractTSConfig(tsConfigFile) } : {};
const { output } = await cruise(['src'], options, {}, transpileOptions);
const result = typeof output === 'string' ? JSON.parse(output) : output;

/** 'src/core/engine/SyncEngine.ts' -> 'src/core/engine'; 'src/core/app.ts' -> 'src/core'; else null. */
function folderOf(path) {
  if (!path.startsWith(`${ROOT}/`)) return null;
  const rest = path.slice(ROOT.length + 1).split('/');
  return rest.length > 1 ? `${ROOT}/${rest[0]}` : ROOT;
}

// folder -> folder -> module-level edges
const graph = new Map();
let moduleCount = 0;
for (const mod of result.modules) {
  const from = folderOf(mod.source);
  if (!from) continue;
  moduleCount++;
  if (!graph.has(from)) graph.set(from, new Map());
  for (const dep of mod.dependencies) {
    const to = folderOf(dep.resolved);
    if (!to || to === from) continue;
    const edges = graph.get(from);
    if (!edges.has(to)) edges.set(to, []);
    const typeOnly = dep.dependencyTypes.includes('type-only');
    edges.get(to).push(`${mod.source} → ${dep.resolved}${typeOnly ? ' (type-only)' : ''}`);
    if (!graph.has(to)) graph.set(to, new Map());
  }
}

// Every elementary cycle, each found once: it starts at its smallest folder and visits only larger ones.
const folders = [...graph.keys()].sort();
const cycles = [];
let truncated = false;
for (const start of folders) {
  const path = [start];
  const onPath = new Set(path);
  const walk = (node) => {
    for (const next of [...graph.get(node).keys()].sort()) {
      if (cycles.length >= MAX_CYCLES) {
        truncated = true;
        return;
      }
      if (next === start) cycles.push([...path, start]);
      else if (next > start && !onPath.has(next)) {
        path.push(next);
        onPath.add(next);
        walk(next);
        onPath.delete(next);
        path.pop();
      }
    }
  };
  walk(start);
}

if (cycles.length === 0) {
  console.log(`✔ no folder cycles in ${ROOT} (${folders.length} folders, ${moduleCount} modules)`);
  process.exit(0);
}

const lines = [];
for (const cycle of cycles) {
  lines.push(`  error folder-cycle: ${cycle.join(' → ')}`);
  for (let i = 0; i < cycle.length - 1; i++) {
    const edges = graph.get(cycle[i]).get(cycle[i + 1]);
    lines.push(`    ${cycle[i]} → ${cycle[i + 1]}`);
    for (const edge of edges.slice(0, MAX_EDGES_SHOWN)) lines.push(`      ${edge}`);
    if (edges.length > MAX_EDGES_SHOWN) lines.push(`      … and ${edges.length - MAX_EDGES_SHOWN} more`);
  }
}
lines.push(
  '',
  `✘ ${cycles.length}${truncated ? '+' : ''} folder cycle(s) in ${ROOT}: folders of the engine must depend on each other one way only` +
    ' (move what both sides need, e.g. types and errors, down into src/core/model).',
);
console.error(lines.join('\n'));
process.exit(1);
