#!/usr/bin/env node
// The `bilancio-sync` command. It runs the built CLI (out/cli/main.js, from `npm run build`, which
// `npm install` runs) — plain Node, no TypeScript compiler at start-up — unless a source file is newer
// than that build: then the TypeScript source under tsx, so a developer's edit is never hidden behind a
// stale build. BILANCIO_SYNC_FROM_SOURCE=1 always runs the source.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'out', 'cli', 'main.js');

/** The newest mtime under src/ (a few hundred files): for a build without its list of sources. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/**
 * Whether a file the build was made of changed since: the build lists them (out/cli/sources.json, the
 * ~130 modules of the CLI; the window's and the desktop app's files don't count). A listed file that is
 * gone makes the build stale too (its importer changed, or will fail loudly from source).
 */
function sourcesChangedSince(builtAt) {
  let sources;
  try {
    sources = JSON.parse(readFileSync(join(root, 'out', 'cli', 'sources.json'), 'utf8'));
  } catch {
    return newestSource(join(root, 'src')) > builtAt;
  }
  for (const rel of sources) {
    const t = statSync(join(root, rel), { throwIfNoEntry: false })?.mtimeMs;
    if (t === undefined || t > builtAt) return true;
  }
  return false;
}

function builtIsFresh() {
  if (process.env.BILANCIO_SYNC_FROM_SOURCE === '1') return false;
  let builtAt;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    return false;
  }
  // An install without src/: the build is all there is.
  if (!statSync(join(root, 'src'), { throwIfNoEntry: false })?.isDirectory()) return true;
  return !sourcesChangedSince(builtAt);
}

if (builtIsFresh()) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
