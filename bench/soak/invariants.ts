/**
 * What must hold after every trial, checked from the outside as a researcher would: the store gives back
 * exactly the local bytes, the catalog holds the sweep once with all its rows, no multipart upload is left
 * open, no partial file or staging folder is left, and a failure (when there is one) is one clear line in a
 * category the fault explains. Each check returns its problems; an empty list means it holds.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { openMultipartUploads } from '../../test/support/s3.js';
import { hashTree } from '../../test/support/tree.js';
import { type CliOutcome, runCli, type World } from './world.js';

/** Downloads the latest revision into a fresh folder and compares every file with `source`. */
export async function storeMatches(
  world: World,
  env: NodeJS.ProcessEnv,
  name: string,
  source: string,
): Promise<string[]> {
  const dir = await mkdtemp(join(world.ws, 'check-'));
  try {
    const out = join(dir, 'restored');
    const r = await runCli(['download', name, out, '--json'], env, { cwd: world.ws });
    if (r.exitCode !== 0) return [`download for the check failed: ${describe(r)}`];
    return compareTrees(await hashTree(source), await hashTree(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function compareTrees(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [path, sha] of expected) {
    const got = actual.get(path);
    if (got === undefined) problems.push(`missing after restore: ${path}`);
    else if (got !== sha) problems.push(`different bytes after restore: ${path}`);
  }
  for (const path of actual.keys())
    if (!expected.has(path)) problems.push(`extra file after restore: ${path}`);
  return problems.slice(0, 5);
}

/** The latest revision the store lists for `name` (null when it lists none). */
export async function latestRevision(
  world: World,
  env: NodeJS.ProcessEnv,
  name: string,
): Promise<number | null> {
  const r = await runCli(['revisions', name, '--json'], env, { cwd: world.ws });
  if (r.exitCode !== 0) return null;
  const list = JSON.parse(r.stdout) as Array<{ revision: number }>;
  return list.reduce<number | null>((max, x) => (max === null || x.revision > max ? x.revision : max), null);
}

/** PostgreSQL holds the sweep once, at `revision`, with every comparison and registry row exactly once. */
export async function catalogOnce(world: World, name: string, revision: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: world.pg.url });
  await client.connect();
  try {
    const sweeps = await client.query<{ sweep_id: string; revision: number }>(
      'select sweep_id, revision from public.sweeps where name = $1',
      [name],
    );
    if (sweeps.rowCount !== 1) return [`catalog has ${sweeps.rowCount} rows for sweep "${name}" (want 1)`];
    const row = sweeps.rows[0]!;
    const problems: string[] = [];
    if (row.revision !== revision)
      problems.push(`catalog says revision ${row.revision}, the store ${revision}`);
    const count = async (table: string) =>
      Number(
        (
          await client.query<{ n: string }>(`select count(*) as n from public.${table} where sweep_id = $1`, [
            row.sweep_id,
          ])
        ).rows[0]!.n,
      );
    const comparison = await count('comparison_results');
    const registry = await count('run_registry');
    if (comparison !== world.pairs) problems.push(`${comparison} comparison rows (want ${world.pairs})`);
    if (registry !== 2 * world.pairs) problems.push(`${registry} registry rows (want ${2 * world.pairs})`);
    return problems;
  } finally {
    await client.end();
  }
}

export async function noOpenUploads(world: World, name: string): Promise<string[]> {
  const open = await openMultipartUploads(world.s3, `${world.s3.prefix}/${name}/`);
  return open.length ? [`${open.length} multipart upload(s) left open under ${name}/`] : [];
}

/** No restore staging folder, temp body or other half-written thing under `dir` (recursively). */
export async function noLeftovers(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.name.startsWith('.bilancio-sync-restore-')) found.push(full);
      else if (e.name === '.tmp' && e.isDirectory()) {
        const inside = await readdir(full).catch(() => []);
        if (inside.length) found.push(`${full} (${inside.length} temp file(s))`);
      } else if (e.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  return found.length ? [`left behind: ${found.slice(0, 3).join(', ')}${found.length > 3 ? ' …' : ''}`] : [];
}

/**
 * A command that failed did so cleanly: a category from `allowed`, an exit code that is not 1 (internal),
 * a message without a stack trace, and no hang.
 */
export function failedCleanly(r: CliOutcome, allowed: readonly string[]): string[] {
  if (r.hung) return [`hung (killed after the timeout): ${r.args.join(' ')}`];
  if (r.exitCode === 0) return [];
  const problems: string[] = [];
  if (!r.error) problems.push(`exit ${r.exitCode} without a JSON error: ${tail(r.stderr || r.stdout)}`);
  else {
    if (!allowed.includes(r.error.category ?? ''))
      problems.push(`category ${r.error.category} (${r.error.code}): ${r.error.message}`);
    if (!r.error.message) problems.push('error without a message');
  }
  if (r.exitCode === 1) problems.push('exit code 1 (internal error)');
  if (/\n\s+at .+:\d+:\d+\)?/.test(r.stderr)) problems.push(`stack trace on stderr: ${tail(r.stderr)}`);
  return problems;
}

export function describe(r: CliOutcome): string {
  if (r.hung) return 'hung';
  if (r.error) return `exit ${r.exitCode} ${r.error.category}/${r.error.code}: ${r.error.message}`;
  return `exit ${r.exitCode ?? r.signal}: ${tail(r.stderr || r.stdout)}`;
}

const tail = (s: string) => s.trim().split('\n').slice(-2).join(' | ').slice(0, 300);
