import { createHash } from 'node:crypto';
import { runPool } from '../runPool.js';
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
  problems: VerifyProblem[];
}

/**
 * Checks the objects of a revision against its manifest: each must exist with the recorded size and
 * sha256 metadata. With `deep`, every object is downloaded and hashed too (catches bit rot that metadata
 * can't).
 */
export async function verifyRemote(
  store: ObjectStore,
  sweep: string,
  options: { revision?: number; deep?: boolean } = {},
): Promise<VerifyReport> {
  const manifest = await findRevision(store, sweep, options.revision);
  const problems: VerifyProblem[] = [];
  await runPool(manifest.objects, 8, async (o) => {
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
      for await (const chunk of await store.get(o.key)) hash.update(chunk as Buffer);
      const actual = hash.digest('hex');
      if (actual !== o.sha256)
        problems.push({
          key: o.key,
          problem: `content hashes to ${actual.slice(0, 12)}…, manifest says ${o.sha256.slice(0, 12)}…`,
        });
    }
  });
  problems.sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    sweep,
    revision: manifest.revision,
    objects: manifest.objects.length,
    bytes: manifest.objects.reduce((n, o) => n + o.size, 0),
    problems,
  };
}
