/**
 * `npm run demo`: the main job on a fresh machine, with no sweep and no cloud account. It writes a
 * realistic 3-pair bilancio sweep to ./demo/out/experiments/, then runs the real CLI on it against the
 * embedded default destination: sync --full, list-sweeps, download into ./demo/restored/, verify.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSweep } from '../test/fixtures/generator.js';

const root = resolve('demo');
rmSync(join(root, 'restored'), { recursive: true, force: true });
const sweep = await generateSweep({
  root: join(root, 'out', 'experiments'),
  name: 'demo_balanced_comparison',
  type: 'balanced',
  pairs: 3,
  overwrite: true,
});
console.log(`Wrote a bilancio sweep to ${sweep.dir} (${sweep.files.length} files).\n`);

const cli = resolve('bin', 'bilancio-sync.js');
const env = { ...process.env, BILANCIO_SYNC_SETTLE_SECONDS: process.env.BILANCIO_SYNC_SETTLE_SECONDS ?? '0' };
for (const args of [
  ['sync', sweep.dir, '--full'],
  ['list-sweeps'],
  ['download', sweep.name, join(root, 'restored', sweep.name)],
  ['verify', sweep.name],
  ['status'],
]) {
  console.log(`$ bilancio-sync ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log('');
}
