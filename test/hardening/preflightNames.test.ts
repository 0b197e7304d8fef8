/**
 * The preflight's naming rules on the walk's quick path: a plain name (the ones bilancio writes) deep in
 * a folder skips the full check only where that check could not object — so an object key one byte over
 * the limit is still refused however plain its names, one at the limit passes, and names outside the
 * plain set (non-ASCII, control characters, dots only) get the full rules.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSweepFiles, MAX_OBJECT_KEY_BYTES } from '../../src/core/engine/preflight.js';

describe('preflight names', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-preflight-names-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** A sweep folder holding `files` (sweep-relative paths), each a few bytes. */
  async function sweepWith(name: string, files: string[]): Promise<string> {
    const dir = join(work, name);
    for (const rel of files) {
      await mkdir(join(dir, rel, '..'), { recursive: true });
      await writeFile(join(dir, rel), 'x');
    }
    return dir;
  }

  /** A path of plain 200-character folder names (under NAME_MAX) ending in `file`, `bytes` long. */
  function plainPathOf(bytes: number, file: string): string {
    const parts: string[] = [];
    let length = file.length;
    while (length + 201 < bytes) {
      parts.push('d'.repeat(200));
      length += 201;
    }
    parts.push('e'.repeat(bytes - length - 1));
    return [...parts, file].join('/');
  }

  it('an object key over the limit is refused even when every name is plain; one at the limit passes', async () => {
    const sweep = 'long_keys';
    const prefix = sweep.length + 1; // the key is "{sweep}/{path}"
    const tooLong = `runs/${plainPathOf(MAX_OBJECT_KEY_BYTES + 1 - prefix - 5, 'run.html')}`;
    const atLimit = `runs/${plainPathOf(MAX_OBJECT_KEY_BYTES - prefix - 5, 'run.json')}`;
    expect(Buffer.byteLength(`${sweep}/${tooLong}`)).toBe(MAX_OBJECT_KEY_BYTES + 1);
    expect(Buffer.byteLength(`${sweep}/${atLimit}`)).toBe(MAX_OBJECT_KEY_BYTES);
    const dir = await sweepWith(sweep, [tooLong, atLimit, 'runs/short.csv']);

    const check = await checkSweepFiles(dir, sweep);

    expect(check.problems).toEqual([
      {
        file: tooLong,
        problem: `its path is too long for an object key (${MAX_OBJECT_KEY_BYTES + 1} bytes, at most ${MAX_OBJECT_KEY_BYTES})`,
      },
    ]);
    expect(check.files.map((f) => f.path).sort()).toEqual([atLimit, 'runs/short.csv'].sort());
  });

  it('names outside the plain set get the full rules: accented and dotted names pass, control characters do not', async () => {
    const sweep = 'odd_names';
    // Multi-byte names: the key's byte length, not its length in characters, decides.
    const accented = `runs/${'é'.repeat(120)}/${'ü'.repeat(120)}/${'ß'.repeat(120)}/${'ø'.repeat(100)}.txt`;
    const dir = await sweepWith(sweep, [
      'runs/grid_0123456789ab/run.html',
      'runs/grid_0123456789ab/...',
      'runs/grid_0123456789ab/.hidden',
      'runs/résumé.txt',
      accented,
      'runs/tab\there.txt',
    ]);

    const check = await checkSweepFiles(dir, sweep);

    const accentedBytes = Buffer.byteLength(`${sweep}/${accented}`);
    expect(accentedBytes).toBeGreaterThan(MAX_OBJECT_KEY_BYTES);
    expect(check.problems).toEqual([
      {
        file: 'runs/tab\there.txt',
        problem: "its name contains control characters, which an archive can't hold",
      },
      {
        file: accented,
        problem: `its path is too long for an object key (${accentedBytes} bytes, at most ${MAX_OBJECT_KEY_BYTES})`,
      },
    ]);
    expect(check.files.map((f) => f.path)).toEqual([
      'runs/grid_0123456789ab/...',
      'runs/grid_0123456789ab/.hidden',
      'runs/grid_0123456789ab/run.html',
      'runs/résumé.txt',
    ]);
  });
});
