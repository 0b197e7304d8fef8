import { createHash } from 'node:crypto';
import type { EngineEventListener } from '../../shared/events.js';
import { runPool } from '../async/runPool.js';
import { ProgressMeter } from '../engine/ProgressMeter.js';
import type { ObjectStore } from '../stores/ObjectStore.js';
import { findRevision } from './Restorer.js';

export interface VerifyProblem {
  key: string;
  problem: string;
}

export interface VerifyReport {
  sweep: string;
  revision: number;
  objects: number;
  bytes: number;
  deep: boolean;
  problems: VerifyProblem[];
  /** With `verify --deep --repair`: what was done for each object in `problems` (see repair.ts). */
  repairs?: Array<{ key: string; result: 'repaired' | 'not-repaired'; detail: string }>;
}

/**
 * Checks the objects of a revision against its manifest: each must exist with the recorded size and
 * sha256 metadata. With `deep`, every object is downloaded and hashed too (catches bit rot that metadata
 * can't).
 */
export async function verifyRemote(
  store: ObjectStore,
  sweep: string,
  options: { revision?: number; deep?: boolean; signal?: AbortSignal; onEvent?: EngineEventListener } = {},
): Promise<VerifyReport> {
  const manifest = await findRevision(store, sweep, options.revision);
  const problems: VerifyProblem[] = [];
  // Progress in bytes checked: a deep verify downloads every byte, a shallow one counts each object as it
  // is looked at.
  const bytesTotal = manifest.objects.reduce((n, o) => n + o.size, 0);
  const meter = new ProgressMeter(bytesTotal);
  const report = (key: string) =>
    options.onEvent?.({
      type: 'progress',
      sweep,
      phase: 'verifying',
      key,
      bytesDone: meter.bytesDone,
      bytesTotal,
      bytesPerSecond: meter.bytesPerSecond,
      etaSeconds: meter.etaSeconds,
    });
  await runPool(manifest.objects, 8, async (o) => {
    options.signal?.throwIfAborted();
    const info = await store.head(o.key);
    if (!info) return void problems.push({ key: o.key, problem: 'missing' });
    if (info.size !== o.size)
      problems.push({ key: o.key, problem: `size ${info.size}, manifest says ${o.size}` });
    if (info.sha256 !== undefined && info.sha256 !== o.sha256) {
      problems.push({
        key: o.key,
        problem: `sha256 metadata ${info.sha256.slice(0, 12)}…, manifest says ${o.sha256.slice(0, 12)}…`,
      });
    }
    if (info.sha256 === undefined) problems.push({ key: o.key, problem: 'no sha256 metadata' });
    if (options.deep) {
      const hash = createHash('sha256');
      for await (const chunk of await store.get(o.key, { signal: options.signal })) {
        hash.update(chunk as Buffer);
        meter.advance((chunk as Buffer).length);
        report(o.key);
      }
      const actual = hash.digest('hex');
      if (actual !== o.sha256)
        problems.push({
          key: o.key,
          problem: `content hashes to ${actual.slice(0, 12)}…, manifest says ${o.sha256.slice(0, 12)}…`,
        });
    }
    if (!options.deep) {
      meter.advance(o.size);
      report(o.key);
    }
  });
  problems.sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    sweep,
    revision: manifest.revision,
    objects: manifest.objects.length,
    bytes: bytesTotal,
    deep: options.deep ?? false,
    problems,
  };
}
