/**
 * Issue 4, "must show" 2: SIGKILL of the watch process at random points of a sync, repeated across the
 * whole sync, then a restart: every sweep ends synced, restored bytes identical, catalog rows exactly once,
 * no torn object under a final key. Plus a SIGTERM: a clean shutdown that aborts and re-queues.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/loadConfig.js';
import { Journal } from '../../src/core/journal/Journal.js';
import { restoreSweep } from '../../src/core/restore/Restorer.js';
import { verifyRemote } from '../../src/core/restore/verifyRemote.js';
import type { EngineEvent } from '../../src/shared/events.js';
import { generateSweep } from '../fixtures/generator.js';
import { s3Env } from '../support/cloudApp.js';
import { openApp } from '../support/openApp.js';
import { startTestPostgres } from '../support/postgres.js';
import { openMultipartUploads, startTestS3 } from '../support/s3.js';
import { hashTree } from '../support/tree.js';
import { tempDir, waitFor } from './helpers.js';

const BIN = resolve('bin/bilancio-sync.js');
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Child {
  child: ChildProcess;
  events: EngineEvent[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: string[];
}

function spawnWatch(home: string, root: string, destinations: Record<string, string>): Child {
  const child = spawn(process.execPath, [BIN, 'watch', root, '--json'], {
    env: { ...process.env, BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0', ...destinations },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: EngineEvent[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push((JSON.parse(line) as { event: EngineEvent }).event);
    } catch {
      stderr.push(`stdout: ${line}`);
    }
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  return { child, events, exited, stderr };
}

/** The destinations of each run: the embedded default, and real S3 + PostgreSQL servers. */
const DESTINATIONS: Record<string, () => Promise<Record<string, string>>> = {
  'the embedded default': async () => ({}),
  's3rver + PostgreSQL': async () => {
    const [s3, db] = await Promise.all([startTestS3(), startTestPostgres()]);
    cleanups.push(async () => {
      expect(await openMultipartUploads(s3), 'no multipart upload left open').toEqual([]);
      await Promise.allSettled([s3.stop(), db.stop()]);
    });
    return {
      ...s3Env(s3),
      // Small parts, so that a kill lands in the middle of real multipart uploads.
      BILANCIO_S3_PART_SIZE_MIB: '5',
      BILANCIO_DATABASE_URL: db.url,
    };
  },
};

describe.each(Object.keys(DESTINATIONS))('watch: killed and restarted, syncing to %s', (where) => {
  it('SIGKILL at random points, then SIGTERM, then a last run: everything synced exactly once, intact', {
    timeout: 180_000,
  }, async () => {
    const destinations = await DESTINATIONS[where]!();
    const tmp = await tempDir();
    cleanups.push(tmp.dispose);
    const home = join(tmp.path, 'home');
    const root = join(tmp.path, 'experiments');
    const sweeps = await Promise.all(
      [1, 2, 3].map((seed) =>
        generateSweep({
          root,
          name: `big_${seed}`,
          type: 'balanced',
          pairs: 4,
          seed,
          runHtmlBytes: 4_000_000,
        }),
      ),
    );
    const before = new Map(
      await Promise.all(sweeps.map(async (s) => [s.name, await hashTree(s.dir)] as const)),
    );
    const journalPath = join(home, 'data', 'journal.sqlite');
    const log: string[] = [];

    // Rounds of SIGKILL at a random moment after the child started syncing something.
    let kills = 0;
    for (let round = 0; round < 10 && kills < 6; round++) {
      const c = spawnWatch(home, root, destinations);
      const busy = await waitFor(
        'a sync to start (or nothing left to do)',
        () =>
          c.events.find((e) => e.type === 'sync-started') ??
          c.events.find((e) => e.type === 'reconcile-finished' && e.unchanged === e.sweeps) ??
          null,
        30_000,
      ).catch(() => null);
      if (!busy || busy.type === 'reconcile-finished') {
        c.child.kill('SIGKILL');
        await c.exited;
        break;
      }
      // A random point of the whole sync: a fraction of the bytes sent, or (fraction > 1) the catalog
      // write and manifest commit at its end, or a later sweep's sync.
      const fraction = Math.random() * 1.2;
      const since = c.events.length;
      await waitFor(
        `the sync to reach ${(fraction * 100).toFixed(0)}%`,
        () =>
          c.events
            .slice(since)
            .find((e) =>
              fraction <= 1
                ? e.type === 'progress' && e.bytesDone >= fraction * e.bytesTotal
                : (e.type === 'progress' && e.phase === 'cataloguing') || e.type === 'sync-finished',
            ) ?? null,
        60_000,
        5,
      ).catch(() => null);
      const delay = `${(fraction * 100).toFixed(0)}% of the sync`;
      c.child.kill('SIGKILL');
      const exit = await c.exited;
      expect(exit.signal).toBe('SIGKILL');
      kills++;
      const last = c.events.filter((e) => e.type === 'sync-finished' || e.type === 'sync-started').at(-1);
      log.push(
        `kill ${kills}: at ${delay}, after ${busy.type === 'sync-started' ? busy.sweep : '?'} started; last: ${last?.type} ${last && 'sweep' in last ? last.sweep : ''}`,
      );
    }
    console.log(log.join('\n'));
    expect(kills).toBeGreaterThanOrEqual(2);

    // A clean stop: SIGTERM while a sync runs → aborted attempt, sweep stays queued, exit code 0.
    const term = spawnWatch(home, root, destinations);
    const started = await waitFor(
      'a sync to start (or nothing left)',
      () =>
        term.events.find((e) => e.type === 'sync-started') ??
        term.events.find((e) => e.type === 'reconcile-finished' && e.unchanged === e.sweeps) ??
        null,
      30_000,
    );
    if (started.type === 'sync-started') await new Promise((r) => setTimeout(r, 200));
    term.child.kill('SIGTERM');
    const termExit = await term.exited;
    expect(termExit, term.stderr.join('')).toEqual({ code: 0, signal: null });
    expect(term.events.at(-1)?.type).toBe('watch-stopped');
    if (
      started.type === 'sync-started' &&
      !term.events.some((e) => e.type === 'sync-finished' && e.sweep === started.sweep)
    ) {
      const j = Journal.open(journalPath);
      try {
        const row = j.sweeps.byName(started.sweep)!;
        expect(row.state).toBe('queued');
        expect(j.attempts.list({ sweepId: row.id, limit: 1 })[0]?.result).toBe('aborted');
      } finally {
        j.close();
      }
      log.push(`SIGTERM during ${started.sweep}: aborted and re-queued`);
    }

    // The last run finishes everything.
    const final = spawnWatch(home, root, destinations);
    await waitFor(
      'every sweep synced',
      () => {
        const j = Journal.open(journalPath);
        try {
          const rows = j.sweeps.list();
          return rows.length === sweeps.length && rows.every((r) => r.state === 'synced');
        } finally {
          j.close();
        }
      },
      60_000,
      250,
    );
    await waitFor(
      'the last run to be up',
      () => final.events.some((e) => e.type === 'reconcile-finished'),
      30_000,
    );
    final.child.kill('SIGTERM');
    expect(await final.exited).toEqual({ code: 0, signal: null });

    const app = await openApp(
      loadConfig({
        env: { BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0', ...destinations },
        cwd: home,
      }),
    );
    cleanups.push(() => app.close());
    for (const s of sweeps) {
      const out = join(tmp.path, 'restored', s.name);
      const restored = await restoreSweep(app.store, s.name, out);
      expect(restored.revision, `${s.name}: one revision, committed once`).toBe(1);
      expect(await hashTree(out)).toEqual(before.get(s.name));
      expect(await app.catalog.listComparisonRows(s.name, { owner: app.config.owner })).toHaveLength(4);
      expect(await app.catalog.listRegistryRows(s.name, { owner: app.config.owner })).toHaveLength(8);
      const report = await verifyRemote(app.store, s.name, { deep: true });
      expect(report.problems).toEqual([]);
      // Only the committed objects and the manifest live under the sweep's keys: nothing torn or stray.
      const keys: string[] = [];
      for await (const o of app.store.list(`${s.name}/`)) keys.push(o.key);
      const manifest = JSON.parse(
        await new Promise<string>((res, rej) => {
          app.store.get(`${s.name}/manifest.json`).then((r) => {
            let text = '';
            r.on('data', (d: Buffer) => (text += d.toString()));
            r.on('end', () => res(text));
            r.on('error', rej);
          }, rej);
        }),
      ) as { objects: Array<{ key: string }> };
      expect(keys.sort()).toEqual([...manifest.objects.map((o) => o.key), `${s.name}/manifest.json`].sort());
    }
    const sweepsInCatalog = await app.catalog.listSweeps({ owner: app.config.owner });
    expect(sweepsInCatalog.map((s) => s.name).sort()).toEqual(sweeps.map((s) => s.name).sort());
  });
});
