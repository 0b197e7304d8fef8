#!/usr/bin/env node
import { resolve } from 'node:path';
// Runs a TypeScript entry point of this repository directly (tsx transpiles on the fly, cached),
// so the CLI, the benchmarks and the scripts always run the current source without a build step.
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const entry = process.argv[2];
if (!entry) {
  console.error('usage: run-ts.js <file.ts> [args…]');
  process.exit(2);
}
process.argv.splice(1, 2, resolve(entry));
await import(pathToFileURL(resolve(entry)).href);
