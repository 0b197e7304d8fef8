import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Pax } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { type TarMember, TarSplitter } from '../../src/core/archive/TarSplitter.js';
import { rawTar, removeTempDirs, sha256, tempDir, writeSweep } from './helpers.js';

afterAll(removeTempDirs);

const LONG = `passive/runs/grid_0123456789ab/out/${'post_hoc_analysis_subfolder/'.repeat(8)}results.csv`;
const FILES: Record<string, string | Buffer> = {
  'passive/registry/experiments.csv': 'run_id,status\r\nx,completed\r\n',
  'passive/runs/grid_0123456789ab/run.html': `<html>${'<td>0.48614978</td>\n'.repeat(3000)}</html>`,
  'passive/runs/grid_0123456789ab/out/empty.csv': '',
  'passive/runs/grid_0123456789ab/out/exact_block.bin': Buffer.alloc(1024, 7),
  'passive/runs/grid_abcdefabcdef/out/débiteurs.csv': 'kappa\r\n1\r\n', // non-ASCII name
  [LONG]: 'x\r\n', // > 255 bytes: a GNU long-name or a pax record
};

interface Seen extends TarMember {
  sha256: string;
}

/** Every member the splitter reports, with its body's hash, feeding `tar` in pieces of `piece` bytes. */
function split(tar: Buffer, piece: number): Seen[] {
  const seen: Seen[] = [];
  let body: Buffer[] = [];
  let current: TarMember | null = null;
  const splitter = new TarSplitter({
    header(m) {
      current = m;
      body = [];
    },
    body(bytes) {
      body.push(bytes);
    },
    end() {
      if (current) seen.push({ ...current, sha256: sha256(Buffer.concat(body)) });
      current = null;
    },
  });
  // Each piece a buffer of its own, as gunzip's chunks are.
  for (let i = 0; i < tar.length; i += piece) splitter.write(Buffer.from(tar.subarray(i, i + piece)));
  splitter.end();
  return seen;
}

describe('TarSplitter', () => {
  it.each(['gnu', 'pax'])(
    'splits what GNU tar writes (--format=%s) whatever the chunk boundaries',
    async (format) => {
      const src = await tempDir(`split-${format}`);
      await writeSweep(src, FILES);
      const tgz = path.join(src, 'a.tar.gz');
      execFileSync('tar', [`--format=${format}`, '-czf', tgz, '-C', src, 'passive']);
      const tar = gunzipSync(execFileSync('cat', [tgz]));

      const whole = split(tar, tar.length);
      const files = whole.filter((m) => m.type === 'File');
      expect(files.map((m) => m.path).sort()).toEqual(Object.keys(FILES).sort());
      for (const m of files) {
        const data = FILES[m.path] ?? '';
        expect(m.size).toBe(Buffer.byteLength(data));
        expect(m.sha256).toBe(sha256(data));
      }
      expect(whole.filter((m) => m.type === 'Directory').length).toBeGreaterThan(3);
      // A header, a long name or a body cut anywhere: the same members.
      for (const piece of [1, 7, 511, 513, 4096]) expect(split(tar, piece)).toEqual(whole);
    },
  );

  it('applies a pax record to the one member after it, and never takes a path from a global record', () => {
    const global = new Pax({ path: 'elsewhere/evil.csv', comment: 'made by hand' }, true).encode();
    const members = rawTar([
      { path: 'passive/runs/grid_0123456789ab/pax-named.csv', data: 'a', pax: true },
      { path: 'plain.csv', data: 'bb' },
    ]);
    const seen = split(Buffer.concat([global, members]), 512);
    expect(seen.map((m) => [m.path, m.size])).toEqual([
      ['passive/runs/grid_0123456789ab/pax-named.csv', 1],
      ['plain.csv', 2],
    ]);
  });

  it('stops at the two zero blocks that end an archive', () => {
    const tar = rawTar([{ path: 'a.csv', data: 'x' }]);
    const withTrailer = Buffer.concat([tar, Buffer.from('anything after the end is not read')]);
    expect(split(withTrailer, 100).map((m) => m.path)).toEqual(['a.csv']);
  });

  it('refuses a stream cut inside a member, naming it, and a header that fails its checksum', () => {
    const tar = rawTar([{ path: 'a.csv', data: 'x'.repeat(2000) }]);
    expect(() => split(tar.subarray(0, 1024), 1024)).toThrow(/ends inside "a\.csv" \(1536 more bytes/);
    expect(() => split(tar.subarray(0, 300), 1024)).toThrow(/ends inside a header block/);
    const bad = Buffer.from(tar);
    bad[10] = 0x41;
    expect(() => split(bad, 1024)).toThrow(/fails its checksum/);
  });
});
