/**
 * ~50 MB of sweep-like data (HTML tables, CSV with CRLF, JSONL): measures create/extract speed,
 * checks memory stays flat while streaming and that gzip doesn't stall the event loop.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { extractArchive } from '../../src/core/archive/ArchiveExtractor.js';
import { createArchive } from '../../src/core/archive/ArchiveWriter.js';
import type { FileEntry } from '../../src/core/model/types.js';
import { removeTempDirs, tempDir, writeSweep } from './helpers.js';

afterAll(removeTempDirs);

const MB = 1024 * 1024;

/** Deterministic pseudo-random numbers so the data compresses like real output (~3-5x). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

function runFiles(run: string, r: () => number): Record<string, string> {
  const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('');
  const dec = () => (r() * 2 - 0.5).toFixed(28);
  return {
    [`${run}/scenario.yaml`]: `kappa: ${dec()}\nmu: ${dec()}\nn_agents: 100\n`,
    [`${run}/run.html`]: `<html><body><table>${rows(4200, (i) => `<tr><td class="day">${i}</td><td>${dec()}</td><td>agent_${Math.floor(r() * 100)}</td><td>${r() < 0.5 ? 'True' : 'False'}</td></tr>\n`)}</table></body></html>`,
    [`${run}/out/events.jsonl`]: rows(
      900,
      (i) => `{"day": ${i}, "kind": "payment", "from": "H${Math.floor(r() * 100)}", "amount": "${dec()}"}\n`,
    ),
    [`${run}/out/balances.csv`]: `day,agent,balance\r\n${rows(900, (i) => `${i},H${Math.floor(r() * 100)},${dec()}\r\n`)}`,
    [`${run}/out/metrics.csv`]: `day,phi,delta\r\n${rows(200, (i) => `${i},${dec()},${dec()}\r\n`)}`,
    [`${run}/out/metrics.json`]: `{"phi_total": "${dec()}", "delta_total": "${dec()}"}`,
  };
}

async function makeSweep(root: string, targetBytes: number): Promise<{ files: FileEntry[]; bytes: number }> {
  const r = rng(42);
  const all: Record<string, string> = {};
  let bytes = 0;
  for (let i = 0; bytes < targetBytes; i++) {
    const id = i.toString(16).padStart(12, '0');
    for (const [p, c] of Object.entries(runFiles(`passive/runs/balanced_passive_${id}`, r))) {
      all[p] = c;
      bytes += c.length;
    }
  }
  all['passive/registry/experiments.csv'] = 'run_id,status\r\n';
  const files = await writeSweep(root, all);
  return { files, bytes: files.reduce((n, f) => n + f.size, 0) };
}

describe('throughput on ~50 MB of sweep-like data', () => {
  it('streams create and extract with flat memory', async () => {
    const src = await tempDir('perf-src');
    const { files, bytes } = await makeSweep(src, 50 * MB);
    const work = await tempDir('perf-out');
    const report: string[] = [`input: ${(bytes / MB).toFixed(1)} MB in ${files.length} files`];

    for (const level of [1, 6]) {
      const tgz = path.join(work, `passive-${level}.tar.gz`);
      const loop = monitorEventLoopDelay({ resolution: 10 });
      const rss0 = process.memoryUsage().rss;
      let peak = rss0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      loop.enable();
      const t0 = performance.now();
      const { stream, done } = createArchive(src, files, { level });
      await pipeline(stream, createWriteStream(tgz));
      const result = await done;
      const secs = (performance.now() - t0) / 1000;
      loop.disable();
      clearInterval(sampler);
      expect((await stat(tgz)).size).toBe(result.size);
      report.push(
        `create level ${level}: ${(bytes / MB / secs).toFixed(1)} MB/s, ratio ${(bytes / result.size).toFixed(2)}, ` +
          `rss +${((peak - rss0) / MB).toFixed(0)} MB, max event-loop delay ${(loop.max / 1e6).toFixed(0)} ms`,
      );
      // Buffering the archive or the input would cost > 50 MB; streaming costs a few chunks.
      expect(peak - rss0).toBeLessThan(40 * MB);
    }

    const dest = await tempDir('perf-dest');
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const t0 = performance.now();
    const out = await extractArchive(createReadStream(path.join(work, 'passive-6.tar.gz')), dest, files);
    const secs = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    expect(out.files.length).toBe(files.length);
    report.push(
      `extract: ${(bytes / MB / secs).toFixed(1)} MB/s (uncompressed), rss +${((peak - rss0) / MB).toFixed(0)} MB`,
    );
    expect(peak - rss0).toBeLessThan(40 * MB);
    console.log(report.join('\n'));
  });
});
