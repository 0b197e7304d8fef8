/**
 * Several processes opening a journal that doesn't exist yet, at the same moment (the app starting while a
 * CLI command runs, two one-shot syncs): every one of them opens it — none fails with "locked by another
 * process" or "table … already exists" — and the schema is applied once.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const JOURNAL = pathToFileURL(resolve('src/core/journal/Journal.ts')).href;
const TSX = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

/** A process that waits until `startAt`, then opens (and closes) the journal; resolves to its exit and stderr. */
function opener(file: string, startAt: number): Promise<{ code: number | null; stderr: string }> {
  const code = `const { Journal } = await import(${JSON.stringify(JOURNAL)});
    while (Date.now() < ${startAt}) {}
    Journal.open(${JSON.stringify(file)}).close();`;
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', code], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (exit) => done({ code: exit, stderr }));
  });
}

describe('opening a new journal from several processes at once', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bsync-journal-race-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every process opens it and the schema is applied once', async () => {
    for (let round = 0; round < 4; round++) {
      const file = join(dir, `journal-${round}.sqlite`);
      // Long enough for all four to have loaded their modules, so the opens really coincide.
      const startAt = Date.now() + 4000;
      const runs = await Promise.all([1, 2, 3, 4].map(() => opener(file, startAt)));
      for (const r of runs) expect(r, r.stderr).toMatchObject({ code: 0 });
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
      } finally {
        db.close();
      }
    }
  }, 120_000);
});
