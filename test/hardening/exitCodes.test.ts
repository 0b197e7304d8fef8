/**
 * The README's exit codes are what the CLI does. Parsed from README.md: the "Exit codes:" list (exit code
 * per category), the stable error codes of `--json` with their exit codes, and the file-system failures
 * table (errno → category, exit code, error code). Compared with the CLI's category → exit code map
 * (src/shared/errors.ts EXIT_CODES, the interrupt codes of src/cli/jobs.ts) and with fromOsError, then
 * checked against real failures of the real CLI: its exit code, and the category and code of its --json
 * error, for one failure of every category the CLI can be made to show here.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptExitCode } from '../../src/cli/jobs.js';
import { fromOsError } from '../../src/core/model/osErrors.js';
import { ERROR_CATEGORIES, type ErrorCategory, EXIT_CODES } from '../../src/shared/errors.js';
import { generateSweep } from '../fixtures/generator.js';
import { runCli } from '../support/cli.js';

const README = readFileSync('README.md', 'utf8');

/** The README's words for each category in the "Exit codes:" list. */
const CATEGORY_WORDS: Record<ErrorCategory, RegExp> = {
  internal: /^internal error\b/,
  usage: /^usage\b/,
  configuration: /^configuration\b/,
  transient: /^transient\b/,
  integrity: /^integrity\b/,
  'not-ready': /^sweep not ready\b/,
  'not-found': /^not found\b/,
  conflict: /^conflict\b/,
};

/** "Exit codes: `0` ok · `1` internal error · …" up to the blank line → [code, description]. */
function readmeExitCodes(): [number, string][] {
  const start = README.indexOf('Exit codes:');
  expect(start, 'README has an "Exit codes:" list').toBeGreaterThan(0);
  const text = README.slice(start, README.indexOf('\n\n', start)).replace(/\s+/g, ' ');
  return [...text.matchAll(/`(\d+)` ([^·]+)/g)].map((m) => [Number(m[1]), m[2]!.trim()]);
}

/** The `--json` paragraph's stable codes, each with its exit code: "`disk-full` (4)". */
function readmeErrorCodes(): Map<string, number[]> {
  const start = README.indexOf('`code` is stable for scripts');
  expect(start, 'README lists the stable error codes').toBeGreaterThan(0);
  const text = README.slice(start, README.indexOf('\n\n', start)).replace(/\s+/g, ' ');
  const list = text.slice(text.indexOf('e.g.'), text.indexOf(')).') + 1);
  const out = new Map<string, number[]>();
  for (const m of list.matchAll(/`([a-z-]+)`( \((\d+)(?:\/(\d+))?\))?/g)) {
    out.set(m[1]!, m[2] ? [Number(m[3]), ...(m[4] ? [Number(m[4])] : [])] : []);
  }
  return out;
}

interface FsRow {
  errnos: string[];
  /** The fixed words the message and the hint begin with, as the row quotes them (up to a placeholder). */
  says: { message: string; hint: string };
  /** category → exit code as the row says it ("usage (2) for …; configuration (3) for …"). */
  categories: [ErrorCategory, number][];
  code: string;
}

/** The "File-system failures" table. "as EACCES" rows take EACCES's categories. */
function readmeFsTable(): FsRow[] {
  const start = README.indexOf('| errno | category (exit) | code |');
  expect(start, 'README has the file-system failures table').toBeGreaterThan(0);
  const lines = README.slice(start).split('\n').slice(2);
  const rows: FsRow[] = [];
  for (const line of lines) {
    if (!line.startsWith('|')) break;
    const [errnoCell, categoryCell, codeCell, saysCell] = line
      .split('|')
      .slice(1, 5)
      .map((c) => c.trim());
    const [message, hint] = (saysCell ?? '').split('→').map((part) => fixedWords(part));
    const errnos = [...errnoCell!.matchAll(/\b(E[A-Z]+)\b/g)].map((m) => m[1]!);
    const categories = /^as (E[A-Z]+)$/.test(categoryCell!)
      ? rows.find((r) => r.errnos.includes(categoryCell!.slice(3)))!.categories
      : [...categoryCell!.matchAll(/\b([a-z-]+) \((\d+)\)/g)].map(
          (m) => [m[1] as ErrorCategory, Number(m[2])] as [ErrorCategory, number],
        );
    rows.push({
      errnos,
      categories,
      code: /`([a-z-]+)`/.exec(codeCell!)?.[1] ?? '',
      says: { message: message ?? '', hint: hint ?? '' },
    });
  }
  return rows;
}

/** The start of the first quoted text in `cell`, up to its first placeholder (<path>, …, N, K). */
function fixedWords(cell: string): string {
  const quoted = /"([^"]*)"/.exec(cell)?.[1] ?? '';
  return quoted.split(/<|…|\s[KMN]\s/)[0]!;
}

describe('the README against the CLI’s category → exit code map', () => {
  it('lists every category with the exit code the CLI uses, and nothing else', () => {
    const listed = readmeExitCodes();
    expect(listed.length).toBeGreaterThanOrEqual(ERROR_CATEGORIES.length + 1);
    for (const category of ERROR_CATEGORIES) {
      const rows = listed.filter(([, words]) => CATEGORY_WORDS[category].test(words));
      expect(rows, `the README's exit code of ${category}`).toHaveLength(1);
      expect(rows[0]![0], `the README's exit code of ${category}`).toBe(EXIT_CODES[category]);
    }
    const others = listed.filter(([, words]) => !ERROR_CATEGORIES.some((c) => CATEGORY_WORDS[c].test(words)));
    expect(others).toEqual([
      [0, 'ok'],
      [interruptExitCode('SIGINT'), expect.stringMatching(/^interrupted by SIGINT/)],
      [interruptExitCode('SIGTERM'), expect.stringMatching(/^interrupted by SIGTERM/)],
    ]);
  });

  it('gives every stable error code listed an exit code the map has', () => {
    const codes = readmeErrorCodes();
    expect(codes.size).toBeGreaterThanOrEqual(8);
    const known = new Set([...Object.values(EXIT_CODES), 130, 143]);
    for (const [code, exits] of codes) {
      expect(exits.length, `the README names the exit code of ${code}`).toBeGreaterThan(0);
      for (const n of exits) expect(known, `${code} (${n})`).toContain(n);
    }
  });

  it('the file-system table has the categories, exit codes and codes fromOsError gives', () => {
    const rows = readmeFsTable();
    expect(rows.flatMap((r) => r.errnos)).toEqual(
      expect.arrayContaining(['ENOSPC', 'EACCES', 'EROFS', 'EEXIST', 'EMFILE', 'EIO']),
    );
    for (const row of rows) {
      for (const [category, exit] of row.categories) {
        expect(EXIT_CODES[category], `${row.errnos.join(', ')}: ${category} (${exit})`).toBe(exit);
      }
      const wanted = new Set(row.categories.map(([c]) => c));
      for (const errno of row.errnos) {
        const error = Object.assign(new Error(`${errno}: test`), { code: errno });
        const got = (['argument', 'setting'] as const).map((role) =>
          fromOsError(error, { path: '/data/out', doing: 'testing', role }),
        );
        expect(new Set(got.map((e) => e.category)), errno).toEqual(wanted);
        for (const e of got) {
          const hint = e.toAppError().hint?.text ?? '';
          expect(e.code, errno).toBe(row.code);
          expect(e.message.startsWith(row.says.message), `${errno}: ${e.message}`).toBe(true);
          expect(hint.startsWith(row.says.hint), `${errno}: ${hint}`).toBe(true);
        }
      }
    }
  });
});

describe('real CLI failures: exit code and --json category as the README says', () => {
  let work: string;
  let home: string;
  const env = (extra: Record<string, string> = {}) => ({
    HOME: home,
    BILANCIO_SYNC_HOME: home,
    BILANCIO_SYNC_SETTLE_SECONDS: '0',
    ...extra,
  });
  const exitOf = new Map<ErrorCategory, number>();
  const errorCodes = readmeErrorCodes();
  const triggered = new Set<string>();

  /** Run the CLI with --json and check the exit code against the README's for the error's category. */
  async function fails(
    args: string[],
    category: ErrorCategory,
    code: string,
    extraEnv: Record<string, string> = {},
  ): Promise<string> {
    const r = await runCli([...args, '--json'], env(extraEnv), work);
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    let error: { category?: string; code?: string; message?: string } = {};
    try {
      error = (JSON.parse(last) as { error: typeof error }).error ?? {};
    } catch {
      // reported below
    }
    const said = `${r.stdout}${r.stderr}`;
    expect(error.category, said).toBe(category);
    expect(error.code, said).toBe(code);
    expect(r.code, said).toBe(exitOf.get(category));
    if (errorCodes.has(code)) expect(errorCodes.get(code), `README: ${code}`).toContain(r.code);
    triggered.add(code);
    expect(r.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
    return error.message ?? '';
  }

  beforeAll(async () => {
    for (const [n, words] of readmeExitCodes()) {
      for (const c of ERROR_CATEGORIES) if (CATEGORY_WORDS[c].test(words)) exitOf.set(c, n);
    }
    work = await mkdtemp(join(tmpdir(), 'bsync-exit-'));
    home = join(work, 'home');
    for (const name of ['good', 'damaged', 'no-manifest', 'bad-manifest']) {
      const sweep = await generateSweep({ root: join(work, 'exp'), name, type: 'balanced', pairs: 2 });
      const r = await runCli(['sync', sweep.dir, '--full'], env(), work);
      expect(r.code, r.stderr).toBe(0);
    }
    const archive = join(home, 'data', 'archive');
    await writeFile(join(archive, 'damaged', 'passive.tar.gz'), 'not the archive any more');
    await rm(join(archive, 'no-manifest', 'manifest.json'));
    await writeFile(
      join(archive, 'bad-manifest', 'manifest.json'),
      '{"format": "bilancio-sync/manifest@1", "sweep": 42}',
    );
  }, 120_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('usage (2): a bad option combination and a download into a file', async () => {
    await fails(['verify', 'good', '--repair'], 'usage', 'request-invalid');
    await writeFile(join(work, 'a-file'), 'x');
    const message = await fails(['download', 'good', join(work, 'a-file')], 'usage', 'not-a-folder');
    expect(message).toContain(join(work, 'a-file'));
  }, 60_000);

  it('usage (2): a sweep the preflight refuses before the first byte', async () => {
    const sweep = await generateSweep({ root: join(work, 'exp'), name: 'tabbed', type: 'ring', pairs: 2 });
    await writeFile(join(sweep.dir, 'aggregate', 'tab\there.csv'), 'x\r\n');
    await fails(['sync', sweep.dir, '--full'], 'usage', 'sweep-preflight');
  }, 60_000);

  it('configuration (3) and transient (4): a catalog URL that is no URL, and one nobody answers', async () => {
    await fails(['list-sweeps'], 'configuration', 'configuration', { BILANCIO_DATABASE_URL: 'not a url' });
    await fails(['list-sweeps'], 'transient', 'transient', {
      BILANCIO_DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
    });
  }, 60_000);

  it('integrity (5): a damaged object, a missing and an invalid manifest', async () => {
    await fails(['verify', 'damaged', '--deep'], 'integrity', 'objects-damaged');
    await fails(['download', 'no-manifest', join(work, 'out-nm')], 'integrity', 'manifest-missing');
    await fails(['verify', 'bad-manifest'], 'integrity', 'manifest-invalid');
  }, 60_000);

  it('not ready (6): a sweep bilancio is still writing', async () => {
    const sweep = await generateSweep({
      root: join(work, 'exp'),
      name: 'still-running',
      type: 'balanced',
      pairs: 2,
      state: 'running',
    });
    await fails(['sync', sweep.dir, '--full'], 'not-ready', 'sweep-running');
  }, 60_000);

  it('not found (7) and conflict (8): an unknown sweep, a download over existing files', async () => {
    await fails(['download', 'never-synced', join(work, 'out-none')], 'not-found', 'sweep-not-found');
    const out = join(work, 'out-twice');
    await mkdir(out, { recursive: true });
    expect((await runCli(['download', 'good', out], env(), work)).code).toBe(0);
    await fails(['download', 'good', out], 'conflict', 'target-not-empty');
  }, 60_000);

  it('every stable code the README lists is shown by a real failure here or by its own test', () => {
    // These need a fault this file can't make cheaply; each has its own test that checks the code.
    const elsewhere: Record<string, string> = {
      'disk-full': 'test/hardening/osErrors.test.ts',
      'revision-conflict': 'test/hardening/concurrency.test.ts',
      interrupted: 'test/hardening/signals.test.ts',
    };
    for (const code of errorCodes.keys()) {
      if (triggered.has(code)) continue;
      const file = elsewhere[code];
      expect(file, `${code}: no real failure shows it`).toBeDefined();
      expect(readFileSync(file!, 'utf8'), `${file} checks ${code}`).toContain(code);
    }
  });
});
