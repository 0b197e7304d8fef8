import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Header } from 'tar/header';
import { afterAll, describe, expect, it } from 'vitest';
import { createArchive } from '../../src/core/archive/ArchiveWriter.js';
import { plainTarHeader } from '../../src/core/archive/plainTarHeader.js';
import { collect, removeTempDirs, tempDir, writeSweep } from './helpers.js';

afterAll(removeTempDirs);

const FILES: Record<string, string | Buffer> = {
  'active/registry/experiments.csv': 'run_id,status\r\nx,completed\r\n',
  'active/runs/grid_0123456789ab/run.html': `<html>${'<td>0.48614978</td>\n'.repeat(300)}</html>`,
  'active/runs/grid_0123456789ab/out/empty.csv': '',
  'active/runs/grid_abcdefabcdef/out/débiteurs.csv': 'kappa\r\n1\r\n',
  // Over 100 bytes: the name goes partly into the ustar prefix.
  [`active/runs/grid_abcdefabcdef/${'subfolder_'.repeat(9)}/results.csv`]: 'x\r\n',
};

/** The header blocks of a plain tar, by walking sizes (tar 7 reads each). */
function headerOffsets(tar: Buffer): number[] {
  const offsets: number[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = new Header(tar, off);
    if (h.nullBlock) break;
    offsets.push(off);
    off += 512 + Math.ceil((h.size ?? 0) / 512) * 512;
  }
  return offsets;
}

/** What the splitter takes from a header, as tar 7 reads it. */
const asTar7 = (buf: Buffer, off: number) => {
  const h = new Header(buf, off);
  const { path: p, type, size, linkpath, cksumValid, nullBlock } = h;
  return { path: p, type, size, linkpath, cksumValid, nullBlock };
};

/** A pseudo-random generator with a seed, so that a failure can be run again. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

async function archives(): Promise<Buffer[]> {
  const src = await tempDir('plain-header');
  const entries = await writeSweep(src, FILES);
  const ours = gunzipSync(await collect(createArchive(src, entries, { level: 1 }).stream));
  const byGnuTar = ['ustar', 'gnu', 'pax'].map((format) => {
    const tgz = path.join(src, `${format}.tar.gz`);
    execFileSync('tar', [`--format=${format}`, '-czf', tgz, '-C', src, 'active']);
    return gunzipSync(execFileSync('cat', [tgz]));
  });
  return [ours, ...byGnuTar];
}

describe('plainTarHeader', () => {
  it('reads every plain header of our archives and of GNU tar’s as tar 7 does, and leaves the others to it', async () => {
    let plain = 0;
    let others = 0;
    for (const tar of await archives()) {
      for (const off of headerOffsets(tar)) {
        const fast = plainTarHeader(tar, off);
        if (fast === null) {
          others++;
          expect(asTar7(tar, off).type).not.toMatch(/^(File|OldFile|Directory)$/);
          continue;
        }
        plain++;
        expect(fast).toEqual(asTar7(tar, off));
      }
    }
    expect(plain).toBeGreaterThan(20); // our files and folders, and GNU tar's
    expect(others).toBeGreaterThan(0); // GNU tar's long-name and pax records
  });

  it('answers as tar 7 on damaged headers: flipped bytes, cut numbers, odd names, zero blocks', async () => {
    const [ours] = await archives();
    const offsets = headerOffsets(ours!);
    const next = random(12345);
    const interesting = [
      0, 50, 99, 100, 124, 130, 135, 136, 148, 153, 154, 155, 156, 157, 257, 263, 345, 400, 475, 511,
    ];
    let compared = 0;
    for (let round = 0; round < 4000; round++) {
      const off = offsets[Math.floor(next() * offsets.length)]!;
      const block = Buffer.from(ours!.subarray(off, off + 512));
      for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
        const at =
          next() < 0.5 ? interesting[Math.floor(next() * interesting.length)]! : Math.floor(next() * 512);
        block[at] = [0, 0x20, 0x2f, 0x30, 0x35, 0x37, 0x38, 0x0a, 0xc3, 0xff][Math.floor(next() * 10)]!;
      }
      const fast = plainTarHeader(block, 0);
      if (fast === null) continue;
      compared++;
      expect(fast, `round ${round}: ${block.toString('hex')}`).toEqual(asTar7(block, 0));
    }
    expect(compared).toBeGreaterThan(2000);
    const zero = Buffer.alloc(512);
    expect(plainTarHeader(zero, 0)).toEqual(asTar7(zero, 0));
    expect(plainTarHeader(zero, 0)?.nullBlock).toBe(true);
  });
});
