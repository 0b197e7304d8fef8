// The window's figures (issue 9, item 7): time from opening a sweep's page to its first comparison rows
// visible (625-pair "today" sweep and a 6,250-pair sweep), the time to wheel-scroll the 6,250-row table
// to its end, and the API round trip (status.overview / queue.get, one at a time) while a full sync of
// the "today" sweep runs through the same server. The real `bilancio-sync ui --no-open --port 0` runs as
// a child; Debian's Chromium is driven by playwright-core. Run alone with `npm run bench -- --only ui`
// (writes bench/results/ui-latest.md); a full `npm run bench` runs it as its last section.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { generateSweep } from '../test/fixtures/generator.js';
import { CLI, lastJson, type Machine, ROOT, runCli, type Stat, stat } from './lib.js';

export interface UiRow {
  what: string;
  stat: Stat | null;
  unit: 'ms';
  /** e.g. "p99 ≤ 50 ms"; '' when the figure has no target */
  target: string;
  met: string;
}

export interface UiResult {
  rows: UiRow[];
  notes: string[];
  errors: string[];
}

export interface UiBenchOptions {
  ws: string;
  runs: number;
  log: (s: string) => void;
  /** the bench's environment for the CLI (PATH, HOME, settle 0, owner …), without BILANCIO_SYNC_HOME */
  baseEnv: NodeJS.ProcessEnv;
}

const ROW_HEIGHT = 30; // src/renderer/src/views/sweeps/ComparisonTable.tsx
const FIRST_ROWS = 20;
const WHEEL_STEPS = 20;
const API_TARGET_P99_MS = 50;

interface UiServer {
  origin: string;
  url: string;
  token: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function startUi(dir: string, env: NodeJS.ProcessEnv, cwd: string): Promise<UiServer> {
  // --no-watch: the bench decides what syncs when (watching would start its own syncs of the folder)
  const child = spawn(process.execPath, [CLI, 'ui', dir, '--no-open', '--no-watch', '--port', '0'], {
    env,
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ui printed no URL in 60 s: ${err.trim().slice(-300)}`));
    }, 60_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`ui exited (${c}) before printing its URL: ${err.trim().slice(-300)}`));
    });
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^Bilancio Sync is running at (\S+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const url = new URL(m[1]!);
      resolve({
        origin: url.origin,
        url: url.toString(),
        token: url.searchParams.get('token') ?? '',
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => {
              child.kill('SIGKILL');
              done();
            }, 15_000).unref();
          }),
      });
    });
  });
}

async function api<T = unknown>(ui: UiServer, name: string, body: unknown = {}): Promise<T> {
  const res = await fetch(`${ui.origin}/api/commands/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ui.token}`, origin: ui.origin, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { ok: boolean; value?: T; error?: unknown };
  if (!res.ok || !json.ok) throw new Error(`${name}: HTTP ${res.status} ${JSON.stringify(json.error)}`);
  return json.value as T;
}

const pct = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

// In-page code is plain JavaScript text: tsx's transform would add helpers (`__name`) the page does not have,
// and this project type-checks the bench without the DOM library.

/** In the page: set the hash, then per animation frame until ≥ n body rows with cells are rendered and visible. */
const OPEN_JS = `({ hash, n }) => new Promise((resolve, reject) => {
  const t0 = performance.now();
  location.hash = hash;
  const check = () => {
    const table = document.querySelector('[role="table"][aria-label="Comparison rows"]');
    if (table) {
      let visible = 0;
      for (const r of table.querySelectorAll('[role="row"]')) {
        if (!r.querySelector('[role="cell"], td')) continue;
        const box = r.getBoundingClientRect();
        if (box.height > 0 && box.width > 0 && (!r.checkVisibility || r.checkVisibility())) visible++;
      }
      if (visible >= n) return resolve(performance.now() - t0);
    }
    if (performance.now() - t0 > 120000) return reject(new Error('no ' + n + ' rows within 120 s'));
    requestAnimationFrame(check);
  };
  check();
})`;

/** Polls a JavaScript predicate (text) in the page every animation frame; the page's CSP forbids the
 *  eval that Playwright's waitForFunction uses for text. */
async function waitInPage(page: Page, predicate: string, timeoutMs: number, what: string): Promise<void> {
  await page.evaluate(`new Promise((resolve, reject) => {
    const t0 = performance.now();
    const pred = ${predicate};
    const f = () => {
      if (pred()) return resolve(true);
      if (performance.now() - t0 > ${timeoutMs}) return reject(new Error(${JSON.stringify(`timed out: ${what}`)}));
      requestAnimationFrame(f);
    };
    f();
  })`);
}

async function openSweepPage(page: Page, name: string, n: number): Promise<number> {
  const arg = JSON.stringify({ hash: `#/sweeps/${encodeURIComponent(name)}`, n });
  return (await page.evaluate(`(${OPEN_JS})(${arg})`)) as number;
}

/** A fresh SPA load at the overview (so the sweep's rows are not in the page's query cache). */
async function freshOverview(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/#/`);
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 60_000 });
}

/** Waits for every page of rows (tbody as tall as all rows), then wheels the table to its last row. */
async function scrollToEnd(
  page: Page,
  total: number,
): Promise<{ ms: number; worstFrameMs: number; steps: number }> {
  const table = page.getByRole('table', { name: 'Comparison rows' });
  await waitInPage(
    page,
    `() => { const b = document.querySelector('[aria-label="Comparison rows"] tbody');
      return b !== null && b.getBoundingClientRect().height >= ${total * ROW_HEIGHT - 1}; }`,
    120_000,
    `all ${total} rows loaded`,
  );
  const scroller = page.locator('.grid-scroll').filter({ has: table });
  await scroller.scrollIntoViewIfNeeded(); // the wheel must land on the table, not on the page around it
  const box = await scroller.boundingBox();
  if (!box) throw new Error('the comparison table has no scroll box');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  // frame gaps while scrolling (the smoothness), recorded in the page
  await page.evaluate(`(() => {
    window.__gaps = []; window.__stop = false;
    let last = performance.now();
    const tick = (t) => { window.__gaps.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  const atEnd = `(() => {
    const row = document.querySelector('[aria-label="Comparison rows"] [role="row"][aria-rowindex="${total + 1}"]');
    if (!row || !row.querySelector('[role="cell"], td')) return false;
    const scroller = row.closest('.grid-scroll') || document.documentElement;
    const a = row.getBoundingClientRect();
    const b = scroller.getBoundingClientRect();
    return a.height > 0 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  })()`;
  const dy = Math.ceil((total * ROW_HEIGHT) / WHEEL_STEPS) + ROW_HEIGHT;
  const t0 = performance.now();
  let steps = 0;
  // after each wheel step, one animation frame (the virtualiser renders the new rows), then: at the end?
  while (steps < WHEEL_STEPS * 5) {
    await page.mouse.wheel(0, dy);
    steps++;
    if (await page.evaluate(`new Promise((r) => requestAnimationFrame(() => r(${atEnd})))`)) break;
  }
  if (!(await page.evaluate(atEnd))) {
    const where = await page.evaluate(
      `(() => { const s = document.querySelector('.grid-scroll'); return s ? s.scrollTop + '/' + s.scrollHeight + ' (client ' + s.clientHeight + '), window ' + window.scrollY : 'no scroller'; })()`,
    );
    throw new Error(`row ${total} not visible after ${steps} wheel steps of ${dy} px: scrollTop ${where}`);
  }
  const ms = performance.now() - t0;
  const gaps = (await page.evaluate(
    '(() => { window.__stop = true; return window.__gaps.slice(1); })()',
  )) as number[];
  return { ms, worstFrameMs: gaps.length ? Math.max(...gaps) : Number.NaN, steps };
}

export async function runUiBench(o: UiBenchOptions): Promise<UiResult> {
  const { ws, runs, log } = o;
  const notes: string[] = [];
  const errors: string[] = [];
  const rows: UiRow[] = [];
  const exp = join(ws, 'ui-exp');
  const home = join(ws, 'homes', 'ui');
  const env: NodeJS.ProcessEnv = { ...o.baseEnv, BILANCIO_SYNC_HOME: home };

  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
    log('ui: building the renderer (npx electron-vite build) …');
    await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
  }

  log('ui: generating the "today" sweep (625 pairs) and a 6,250-pair aggregate-only sweep');
  const today = await generateSweep({ root: exp, name: 'today', type: 'balanced', pairs: 625, extras: true });
  // The page's table shows the catalog's comparison rows only: a sweep of just aggregate/comparison.csv
  // (33 columns, as the balanced sweep's) gives the same 6,250 rows without writing ~1.2 GB of run folders.
  const big = await generateSweep({
    root: exp,
    name: 'big',
    type: 'aggregate-only',
    pairs: 6250,
    dealerColumns: 33,
  });
  notes.push(
    'The 6,250-pair sweep is aggregate-only (aggregate/comparison.csv with the 33 columns of the balanced ' +
      'sweep, no run folders and so no registry rows): its page shows the same 6,250 comparison rows as ' +
      "`--big`'s balanced sweep, without generating ~1.2 GB of run data the row timing does not read.",
  );

  for (const [g, name] of [
    [today, 'today'],
    [big, 'big'],
  ] as const) {
    log(`ui: sync --full of "${name}" to the local default`);
    const s = await runCli(['sync', g.dir, '--full', '--json', '--name', name], { env, cwd: ws });
    const result = lastJson(s.stdout)?.result;
    if (s.exitCode !== 0 || result !== 'synced') {
      errors.push(
        `ui: sync of "${name}" failed (exit ${s.exitCode}, result ${String(result)}): ${s.stderr.trim().slice(-300)}`,
      );
      return { rows, notes, errors };
    }
  }

  const ui = await startUi(exp, env, ws);
  log(`ui: server at ${ui.origin} (pid ${ui.child.pid})`);
  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'));
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>>;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  } catch (e) {
    await ui.stop();
    rmSync(profile, { recursive: true, force: true });
    errors.push(`ui: Chromium did not start: ${(e as Error).message}`);
    return { rows, notes, errors };
  }
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(ui.url); // the token URL: the server swaps it for a cookie
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 60_000 });

    // (a) page open → first rows, and the scroll of the 6,250 rows
    const open: Record<string, number[]> = { today: [], big: [] };
    const scroll: number[] = [];
    const worstFrame: number[] = [];
    for (let i = 1; i <= runs; i++) {
      for (const name of ['today', 'big'] as const) {
        await freshOverview(page, ui.origin);
        const ms = await openSweepPage(page, name, FIRST_ROWS);
        open[name]!.push(ms);
        log(`ui run ${i}/${runs}: #/sweeps/${name} → ${FIRST_ROWS} rows visible in ${ms.toFixed(0)} ms`);
        if (name === 'big') {
          const sc = await scrollToEnd(page, 6250);
          scroll.push(sc.ms);
          worstFrame.push(sc.worstFrameMs);
          log(
            `  scrolled to row 6,250 in ${sc.ms.toFixed(0)} ms (${sc.steps} wheel steps), worst frame ${sc.worstFrameMs.toFixed(0)} ms`,
          );
        }
      }
    }
    rows.push(
      {
        what: `open "today" sweep page (625 pairs) → ${FIRST_ROWS} comparison rows visible`,
        stat: stat(open.today!),
        unit: 'ms',
        target: '',
        met: '–',
      },
      {
        what: `open 6,250-pair sweep page → ${FIRST_ROWS} comparison rows visible`,
        stat: stat(open.big!),
        unit: 'ms',
        target: '',
        met: '–',
      },
      {
        what: `wheel-scroll the 6,250-row table to its last row (wheel steps of 1/${WHEEL_STEPS} of its height, each followed by a frame)`,
        stat: stat(scroll),
        unit: 'ms',
        target: '',
        met: '–',
      },
      {
        what: 'worst frame gap during that scroll',
        stat: stat(worstFrame),
        unit: 'ms',
        target: '',
        met: '–',
      },
    );
    await freshOverview(page, ui.origin); // the page stays open (event stream) while the API is measured

    // (b) API round trip while a full sync of "today" runs in the same server
    const p50s: number[] = [];
    const p99s: number[] = [];
    const syncMs: number[] = [];
    let calls = 0;
    let worst = 0;
    for (let i = 1; i <= runs; i++) {
      const name = `today_api_r${i}`;
      const t0 = performance.now();
      const { jobId } = await api<{ jobId: string }>(ui, 'sync.start', { path: today.dir, name, full: true });
      let done = false;
      const waited = api<{ state?: string; status?: string; result?: unknown; error?: unknown }>(
        ui,
        'jobs.wait',
        { jobId },
      ).finally(() => {
        done = true;
      });
      const times: number[] = [];
      while (!done) {
        const cmd = times.length % 2 === 0 ? 'status.overview' : 'queue.get';
        const t = performance.now();
        await api(ui, cmd, {});
        times.push(performance.now() - t);
      }
      const job = await waited;
      syncMs.push(performance.now() - t0);
      times.sort((a, b) => a - b);
      p50s.push(pct(times, 50));
      p99s.push(pct(times, 99));
      calls += times.length;
      worst = Math.max(worst, times.at(-1) ?? 0);
      log(
        `ui run ${i}/${runs}: ${times.length} calls during the sync (${((performance.now() - t0) / 1000).toFixed(1)} s): p50 ${pct(times, 50).toFixed(1)} ms, p99 ${pct(times, 99).toFixed(1)} ms, max ${(times.at(-1) ?? 0).toFixed(1)} ms; job ${JSON.stringify(job).slice(0, 160)}`,
      );
    }
    const p99 = stat(p99s);
    rows.push(
      {
        what: 'API round trip p50 (status.overview / queue.get alternately) during a full sync of "today"',
        stat: stat(p50s),
        unit: 'ms',
        target: '',
        met: '–',
      },
      {
        what: 'API round trip p99, same calls',
        stat: p99,
        unit: 'ms',
        target: `p99 ≤ ${API_TARGET_P99_MS} ms`,
        met: p99 ? (p99.median <= API_TARGET_P99_MS ? 'yes' : '**no**') : 'not measured',
      },
      {
        what: 'that full sync of "today" (sync.start → job done, in the ui server)',
        stat: stat(syncMs),
        unit: 'ms',
        target: '',
        met: '–',
      },
    );
    notes.push(
      `API figures: ${calls} sequential calls in all (one in flight at a time, plus the one jobs.wait that ` +
        `says when the sync is done), from the bench process with the bearer token; slowest single call ${worst.toFixed(0)} ms. ` +
        'p50/p99 are per sync run; the table gives their median and min–max over the runs.',
    );
  } catch (e) {
    errors.push(`ui: ${(e as Error).message}`);
  } finally {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
    await ui.stop();
  }
  notes.push(
    `Page-open times are taken in the page: from setting location.hash (after a fresh load of the overview, ` +
      `so nothing is cached) to the first animation frame with ≥ ${FIRST_ROWS} body rows with cells rendered and visible (±1 frame).`,
  );
  return { rows, notes, errors };
}

const n0 = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** The table's lines (for ui-latest.md and the full bench's latest.md). */
export function uiTable(r: UiResult, runs: number): string[] {
  const out = ['| what | median | min–max | runs | target | met? |', '|---|---|---|---|---|---|'];
  for (const row of r.rows) {
    const s = row.stat;
    out.push(
      `| ${row.what} | ${s ? `${n0(s.median)} ms` : '–'} | ${s ? `${n0(s.min)}–${n0(s.max)} ms` : '–'} | ${s?.n ?? 0} of ${runs} | ${row.target || '–'} | ${row.met} |`,
    );
  }
  return out;
}

export function machineLine(m: Machine): string {
  return (
    `**Machine:** ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.os}; ` +
    `${m.tar}; ${m.gzip}${m.rclone ? `; ${m.rclone}` : ''}. Load average at start: ${m.loadAtStart}.`
  );
}

export function renderUiMarkdown(r: UiResult, m: Machine, runs: number): string {
  const out: string[] = [];
  out.push(`### Window (browser mode): ${m.date.slice(0, 16).replace('T', ' ')} UTC`);
  out.push('');
  out.push(machineLine(m));
  out.push('');
  out.push(
    'The machine was shared with other work while this ran (2 cores; see the load average): the figures are ' +
      'pessimistic. Headless Chromium (software rendering, `--disable-gpu`) and the `bilancio-sync ui` server ' +
      `share those 2 cores with the sync being measured. Each figure is the median of ${runs} run(s) (min–max).`,
  );
  out.push('');
  out.push(...uiTable(r, runs));
  out.push('');
  for (const n of r.notes) out.push(`* ${n}`);
  for (const e of r.errors) out.push(`* **error:** ${e}`);
  out.push('');
  return out.join('\n');
}

/** Writes bench/results/ui-latest.md. */
export function writeUiResults(md: string): void {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ui-latest.md'), md);
}
