#!/usr/bin/env node
// The `bilancio-sync` command. It runs the built CLI (out/cli/main.js, from `npm run build`, which
// `npm install` runs) — plain Node, no TypeScript compiler at start-up — unless a source file is newer
// than that build: then the TypeScript source under tsx, so a developer's edit is never hidden behind a
// stale build. BILANCIO_SYNC_FROM_SOURCE=1 always runs the source.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'out', 'cli', 'main.js');

/** The newest mtime under src/ (a few hundred files: a few ms). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

function builtIsFresh() {
  if (process.env.BILANCIO_SYNC_FROM_SOURCE === '1') return false;
  let builtAt;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    return false;
  }
  try {
    return newestSource(join(root, 'src')) <= builtAt;
  } catch {
    return true; // an install without src/: the build is all there is
  }
}

if (builtIsFresh()) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
