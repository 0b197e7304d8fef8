/**
 * The head of a watch-mode test that starts from sweeps a watcher has synced already and then stopped
 * (as after a restart of watch mode): a fresh local app, a temp experiments folder with small balanced
 * sweeps, and that first watcher run to the end, so the test's own watcher is the one it is about.
 */
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { type GeneratedSweep, generateSweep } from '../fixtures/generator.js';
import { ofType, tempDir, waitFor, watchService } from '../watch/helpers.js';
import { openLocalApp } from './localApp.js';

/** What a test opened, closed after it (last opened first) whether it passed or not. */
export type Cleanups = Array<() => Promise<void>>;

/** Call at the top of a test file: registers the afterEach that runs the returned cleanups. */
export function cleanupsAfterEach(): Cleanups {
  const cleanups: Cleanups = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

export interface SyncedByAWatcher {
  app: Awaited<ReturnType<typeof openLocalApp>>;
  /** The experiments folder the watchers watch. */
  root: string;
  sweeps: GeneratedSweep[];
}

/** `sweeps` (2 pairs each, small run pages), synced by a watcher stopped once it is idle. */
export async function sweepsSyncedByAWatcher(
  cleanups: Cleanups,
  sweeps: Array<{ name: string; seed?: number }>,
): Promise<SyncedByAWatcher> {
  const tmp = await tempDir();
  const app = await openLocalApp();
  cleanups.push(tmp.dispose, app.dispose);
  const root = join(tmp.path, 'experiments');
  const generated: GeneratedSweep[] = [];
  for (const { name, seed } of sweeps) {
    generated.push(await generateSweep({ root, name, type: 'balanced', pairs: 2, runHtmlBytes: 500, seed }));
  }
  const first = watchService(app, { roots: [root], deepCheckIntervalMs: 0 });
  await first.service.start();
  await waitFor('all synced', () => ofType(first.events, 'sync-finished').length === sweeps.length);
  await first.service.whenIdle();
  await first.service.stop();
  return { app, root, sweeps: generated };
}
