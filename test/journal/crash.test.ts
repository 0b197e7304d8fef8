import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { Journal } from '../../src/core/journal/Journal.js';

const dir = mkdtempSync(join(tmpdir(), 'bsync-journal-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The writer: the real Journal (loaded through tsx) committing in a tight loop. Each iteration is one
// transaction (an event + a 2,000-row file cache replacement) and is announced only after it committed.
const journalUrl = new URL('../../src/core/journal/Journal.ts', import.meta.url).href;
const writer = `
import { Journal } from ${JSON.stringify(journalUrl)};
const j = Journal.open(process.argv[1]);
const sweep = j.sweeps.upsert({ path: '/out/experiments/s1', name: 's1', sweepType: 'ring' });
for (let i = 0; ; i++) {
  const entries = Array.from({ length: 2000 }, (_, k) => ({
    path: 'runs/r' + k + '/run.html', size: i, mtimeMs: k, sha256: String(i).padStart(64, '0'),
  }));
  j.transaction(() => {
    j.events.add({ level: 'info', kind: 'tick', message: String(i), sweepId: sweep.id });
    j.fileCache.replace(sweep.path, entries);
  });
  process.stdout.write('committed ' + i + '\\n');
}
`;

it('committed data survives a SIGKILL mid-write and the journal opens again', async () => {
  const file = join(dir, 'journal.sqlite');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer, file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lastCommitted = await new Promise<number>((resolvePromise, reject) => {
    let last = -1;
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (const m of buffered.matchAll(/committed (\d+)\n/g)) last = Number(m[1]);
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
      if (last >= 25 && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolvePromise(last);
      else reject(new Error(`writer exited by itself: ${stderr}`));
    });
  });
  expect(lastCommitted).toBeGreaterThanOrEqual(25);

  // The WAL is recovered on open; everything announced as committed is there, nothing half-written is.
  const j = Journal.open(file);
  const events = j.events.recent({ limit: 1_000_000 });
  const ticks = events.map((e) => Number(e.message));
  expect(Math.max(...ticks)).toBeGreaterThanOrEqual(lastCommitted);
  expect(new Set(ticks).size).toBe(ticks.length);
  const cache = j.fileCache.get('/out/experiments/s1');
  expect(cache.size).toBe(2000);
  const generations = new Set([...cache.values()].map((c) => c.size));
  expect(generations.size).toBe(1); // one whole transaction's rows, never a mix
  expect([...generations][0]).toBe(Math.max(...ticks));
  j.close();

  const db = new Database(file, { readonly: true });
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
});
