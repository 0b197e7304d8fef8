/**
 * Issue 12: when folder watches run out (watch mode's budget here; the kernel's ENOSPC takes the same
 * path), watching degrades to polling and says so once — a warning with what to do, in the event stream
 * and in the journal — and changes in the sweeps it could not watch are still noticed.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSweep } from '../fixtures/generator.js';
import { cleanupsAfterEach, sweepsSyncedByAWatcher } from '../support/watchHarness.js';
import { ofType, waitFor, watchService } from './helpers.js';

const cleanups = cleanupsAfterEach();

describe('watch: running out of folder watches', () => {
  it('degrades to polling with one warning (hint: raise fs.inotify.max_user_watches); changes still found', {
    timeout: 60_000,
  }, async () => {
    const { app, root, sweeps } = await sweepsSyncedByAWatcher(cleanups, [
      { name: 'a' },
      { name: 'b' },
      { name: 'c' },
    ]);

    // Room for the experiments folder and a few folders of the first sweep only.
    const { service, events } = watchService(app, {
      roots: [root],
      watchBudget: 4,
      pollIntervalMs: 300,
      backgroundCpuShare: 0.5,
      deepCheckIntervalMs: 0,
    });
    cleanups.push(() => service.stop());
    await service.start();
    expect(ofType(events, 'reconcile-finished')[0]!.event).toMatchObject({ sweeps: 3, unchanged: 3 });
    const warnings = ofType(events, 'warning').filter((w) => /Not every sweep folder/.test(w.event.message));
    expect(warnings).toHaveLength(1);
    const w = warnings[0]!.event;
    expect(w.message).toMatch(/Not every sweep folder can be watched for changes/);
    expect(w.message).toMatch(/checked by polling every 300 ms instead/);
    expect(w.hint?.text).toMatch(
      process.platform === 'linux' ? /sysctl fs\.inotify\.max_user_watches=\d+/ : /raise the system limit/,
    );
    const journaled = app.journal.events.recent({ limit: 20 }).filter((e) => e.kind === 'watcher-problem');
    expect(journaled).toHaveLength(1);
    expect(journaled[0]).toMatchObject({ level: 'warning', data: { code: 'watch-limit-reached' } });
    expect(journaled[0]!.message).toContain(w.hint!.text); // `status` and the window show what to do

    // A change in the last sweep, whose folders are not watched: found by polling.
    await writeFile(join(sweeps[2]!.dir, 'aggregate', 'posthoc_note.txt'), 'found by polling\n');
    const synced = await waitFor('the polled sweep synced', () =>
      ofType(events, 'sync-finished').find((e) => e.event.sweep === 'c'),
    );
    expect(synced.event).toMatchObject({ result: 'synced', revision: 2 });

    // A new sweep appearing in the (watched) experiments folder is synced too; still one warning.
    await generateSweep({ root, name: 'd', type: 'dealer', pairs: 2, runHtmlBytes: 500 });
    await waitFor('the new sweep synced', () =>
      ofType(events, 'sync-finished').find((e) => e.event.sweep === 'd'),
    );
    expect(
      ofType(events, 'warning').filter((x) => /Not every sweep folder/.test(x.event.message)),
    ).toHaveLength(1);
  });
});
