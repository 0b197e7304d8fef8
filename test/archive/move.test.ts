import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { moveIntoPlace } from '../../src/core/archive/moveIntoPlace.js';
import { SyncError } from '../../src/core/model/errors.js';
import { listAll, listFiles, removeTempDirs, tempDir, writeSweep } from './helpers.js';

afterAll(removeTempDirs);

const FILES = {
  'passive/registry/experiments.csv': 'run_id\r\nx\r\n',
  'passive/runs/grid_0123456789ab/run.html': '<html></html>',
};

describe('moveIntoPlace', () => {
  it('moves every file in, keeping mtimes, and empties staging', async () => {
    const staging = await tempDir('stage');
    const target = await tempDir('target');
    const files = await writeSweep(staging, FILES);
    await moveIntoPlace(
      staging,
      target,
      files.map((f) => f.path),
      { overwrite: false },
    );
    expect(await listFiles(target)).toEqual(Object.keys(FILES).sort());
    expect(await listFiles(staging)).toEqual([]);
    const st = await stat(path.join(target, 'passive/registry/experiments.csv'));
    expect(st.mtimeMs).toBeCloseTo(files[0]!.mtimeMs, 0);
  });

  it('refuses an existing target without overwrite and writes nothing', async () => {
    const staging = await tempDir('stage2');
    const target = await tempDir('target2');
    await writeSweep(staging, FILES);
    await mkdir(path.join(target, 'passive/runs/grid_0123456789ab'), { recursive: true });
    await writeFile(path.join(target, 'passive/runs/grid_0123456789ab/run.html'), 'mine');
    const before = await listAll(target);
    const err = (await moveIntoPlace(staging, target, Object.keys(FILES), { overwrite: false }).catch(
      (e: unknown) => e,
    )) as SyncError;
    expect(err).toBeInstanceOf(SyncError);
    expect(err.category).toBe('conflict');
    expect(err.message).toMatch(/run\.html already exists/);
    expect(err.hint).toBe('Choose an empty folder, or allow replacing the files there.');
    expect(err.action).toEqual({ kind: 'choose-empty-folder', overwriteAllowed: true });
    expect(await listAll(target)).toEqual(before);
    expect(await readFile(path.join(target, 'passive/runs/grid_0123456789ab/run.html'), 'utf8')).toBe('mine');
    expect(await listFiles(staging)).toEqual(Object.keys(FILES).sort());
  });

  it('replaces existing files with overwrite', async () => {
    const staging = await tempDir('stage3');
    const target = await tempDir('target3');
    await writeSweep(staging, FILES);
    await writeSweep(target, { 'passive/registry/experiments.csv': 'old' });
    await moveIntoPlace(staging, target, Object.keys(FILES), { overwrite: true });
    expect(await readFile(path.join(target, 'passive/registry/experiments.csv'), 'utf8')).toBe(
      FILES['passive/registry/experiments.csv'],
    );
    expect(await listFiles(staging)).toEqual([]); // backups of replaced files are gone too
  });

  it('undoes a move that fails part-way, putting replaced files back', async () => {
    const staging = await tempDir('stage4');
    const target = await tempDir('target4');
    await writeSweep(staging, FILES);
    await writeSweep(target, { 'passive/registry/experiments.csv': 'old' });
    // The second file can't go in: its parent path is taken by a file.
    await writeFile(path.join(target, 'passive/runs'), 'a file where a folder should be');
    await expect(moveIntoPlace(staging, target, Object.keys(FILES), { overwrite: true })).rejects.toThrow(
      /Could not move/,
    );
    expect(await readFile(path.join(target, 'passive/registry/experiments.csv'), 'utf8')).toBe('old');
    expect(await listFiles(target)).toEqual(['passive/registry/experiments.csv', 'passive/runs']);
    expect(await listFiles(staging)).toEqual(Object.keys(FILES).sort());
  });

  it('merges into folders the target already has, leaving its other files alone', async () => {
    const staging = await tempDir('stage5');
    const target = await tempDir('target5');
    const files = {
      ...FILES,
      'passive/runs/grid_0123456789ab/events.jsonl': '{}\n',
      'active/runs/grid_ba9876543210/run.html': '<html>a</html>',
    };
    await writeSweep(staging, files);
    // The target has passive/ and passive/runs/ (with a run of its own), not active/ nor the run.
    await writeSweep(target, { 'passive/runs/grid_ffffffffffff/run.html': 'theirs', 'notes.txt': 'mine' });
    await moveIntoPlace(staging, target, Object.keys(files), { overwrite: false });
    expect(await listFiles(target)).toEqual(
      [...Object.keys(files), 'passive/runs/grid_ffffffffffff/run.html', 'notes.txt'].sort(),
    );
    for (const [rel, body] of Object.entries(files))
      expect(await readFile(path.join(target, rel), 'utf8')).toBe(body);
    expect(await readFile(path.join(target, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await listFiles(staging)).toEqual([]);
  });

  it('undoes whole-folder moves too when a later step fails', async () => {
    const staging = await tempDir('stage6');
    const target = await tempDir('target6');
    const files = { ...FILES, 'active/runs/grid_ba9876543210/run.html': '<html>a</html>' };
    await writeSweep(staging, files);
    await writeSweep(target, { 'passive/registry/experiments.csv': 'old' });
    await writeFile(path.join(target, 'passive/runs'), 'a file where a folder should be');
    const before = await listAll(target);
    await expect(moveIntoPlace(staging, target, Object.keys(files), { overwrite: true })).rejects.toThrow(
      /Could not move/,
    );
    expect(await listAll(target)).toEqual(before);
    expect(await readFile(path.join(target, 'passive/registry/experiments.csv'), 'utf8')).toBe('old');
    expect(await listFiles(staging)).toEqual(Object.keys(files).sort());
  });
});
