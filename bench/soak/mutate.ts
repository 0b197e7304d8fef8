// Changes a sweep the way a researcher re-running part of it would, so that every sync trial makes a new
// revision: a slice of one branch's blob rewritten and grown (size changes, so no cache can call it the
// same file), and a line added to sweep.log (a loose file).
import { randomBytes } from 'node:crypto';
import { appendFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Rng } from './random.js';

export async function mutateSweep(dir: string, rng: Rng): Promise<string> {
  const branch = rng.pick(['active', 'passive'] as const);
  const blob = join(dir, branch, 'runs', 'soak-blob.bin');
  const fh = await open(blob, 'r+');
  try {
    const { size } = await fh.stat();
    const at = rng.int(0, Math.max(0, size - 65_536));
    await fh.write(randomBytes(65_536), 0, 65_536, at);
    await fh.write(randomBytes(rng.int(1, 4096)), 0, undefined, size);
  } finally {
    await fh.close();
  }
  await appendFile(join(dir, 'sweep.log'), `soak change ${rng.int(0, 1e9)}\n`);
  return branch;
}
