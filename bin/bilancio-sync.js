#!/usr/bin/env node
// The `bilancio-sync` command: the CLI shell over the sync engine in src/core.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
