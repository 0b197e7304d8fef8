/**
 * Issue 9, must show 1–3 (and the screenshots of Overview, Activity, Sweeps, a sweep's page and the
 * Restore dialog), in Debian's Chromium against the real `bilancio-sync ui`, with the real engine,
 * s3rver and PostgreSQL. A balanced sweep of ~40 MB is written into the watched folder the way bilancio
 * writes it; the window shows it waiting, then syncing with sizes and time left, then up to date; the
 * sweep's page shows its rows (sortable by value) and plots; a restore from the dialog gives back every
 * byte, refuses a non-empty folder and leaves nothing behind when cancelled.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedSweep, writeSweepOverTime } from '../fixtures/generator.js';
import { s3Env } from '../support/cloudApp.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startTestS3, type TestS3 } from '../support/s3.js';
import { hashTree } from '../support/tree.js';
import {
  attr,
  type Browser,
  count,
  ensureRendererBuilt,
  failureShot,
  launchBrowser,
  nav,
  screenshot,
  signIn,
  startUi,
  text,
  type UiProcess,
  visible,
} from './harness.js';
import { startThrottleProxy, type ThrottleProxy } from './throttle.js';

const SWEEP = 'kappa_mu_balanced';
const PAIRS = 24;

describe('the window over a real sync (s3rver + PostgreSQL)', () => {
  let s3: TestS3;
  let db: TestPostgres;
  let proxy: ThrottleProxy;
  let work: string;
  let experiments: string;
  let ui: UiProcess;
  let browser: Browser;
  let page: Page;
  let sweep: GeneratedSweep;

  beforeAll(async () => {
    const built = ensureRendererBuilt();
    [s3, db] = await Promise.all([startTestS3(), startTestPostgres()]);
    proxy = await startThrottleProxy(s3.endpoint);
    work = await mkdtemp(join(tmpdir(), 'bsync-ui-sync-'));
    experiments = join(work, 'experiments');
    await mkdir(experiments);
    await built;
    ui = await startUi(
      [experiments],
      {
        ...s3Env(s3),
        R2_ENDPOINT_URL: proxy.endpoint,
        BILANCIO_DATABASE_URL: db.url,
        BILANCIO_SYNC_HOME: join(work, 'home'),
        BILANCIO_SYNC_SETTLE_SECONDS: '2',
        BILANCIO_SYNC_SECRETS: 'file',
        // One archive at a time: the transfer's figures then move between the two archives.
        BILANCIO_SYNC_ARCHIVE_CONCURRENCY: '1',
      },
      work,
    );
    browser = await launchBrowser();
    page = browser.page;
    await signIn(page, ui);
  });

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await failureShot(page, ctx.task.name, browser);
  });

  afterAll(async () => {
    await browser?.close();
    const code = await ui?.stop();
    if (ui && code !== 0) console.warn(`ui exited ${code}:\n${ui.stderr()}`);
    await proxy?.close();
    await Promise.allSettled([s3?.stop(), db?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('1. a sweep written over time: waiting, then progress with sizes and time left, then up to date; Activity lists it', async () => {
    const state = page.getByTestId('sync-state');
    await expect.poll(() => state.textContent(), { timeout: 20_000 }).toMatch(/^Up to date/);

    // Slow enough that the transfer is seen for a few seconds: 1 MB/s into the S3 server (the archives
    // are ~8 MB compressed).
    proxy.setUploadRate(1024 * 1024);
    const writing = writeSweepOverTime({
      root: experiments,
      name: SWEEP,
      type: 'balanced',
      pairs: PAIRS,
      runHtmlBytes: 500_000,
      pauseMs: 100,
      extras: true,
    });

    // Waiting to settle (after bilancio's last write), with its time left.
    const waiting = page.getByRole('region', { name: /waiting|settl/i });
    await waiting.getByText(SWEEP, { exact: true }).waitFor({ timeout: 60_000 });
    expect(await waiting.textContent()).toMatch(/settles in \d+ s|in a moment|settled, checking|quiet/);
    sweep = await writing;

    // Then the transfer: a progress bar for the sweep, sizes done/total, and the time left.
    const transfer = page.getByRole('article', { name: `Syncing ${SWEEP}` });
    await transfer.waitFor({ timeout: 30_000 });
    await visible(transfer.getByRole('progressbar', { name: new RegExp(`^${SWEEP}: \\d+ %$`) }));
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toMatch(/^Syncing/);
    // What the transfer said over its life (for the log: sizes, %, speed and time left should agree).
    const samples: Array<{ at: number; text: string | null }> = [];
    const sampling = (async () => {
      while ((await transfer.count()) > 0 && samples.length < 400) {
        samples.push({ at: Date.now(), text: await text(transfer)() });
        await page.waitForTimeout(250);
      }
    })();
    // Part-way (1–99 %): sizes done / total, the percent, and the time left (not "estimating…"), all at
    // once, and they agree.
    const eta =
      /(\d+(?:\.\d+)?) \/ (\d+(?:\.\d+)?) (kB|MB|GB)\s*([1-9]\d?)%.*?(\d+ (?:s|min)(?: \d+ s)?) left/;
    // The part-way state can last well under a second: looked for in the page every 20 ms, and read there
    // in the same instant (the transfer's text and its bar's value).
    const seen = await page.waitForFunction(
      ({ source, label }) => {
        // Runs in the page (this file is typed without the DOM library: a local shape of what it uses).
        interface El {
          textContent: string | null;
          getAttribute(name: string): string | null;
          querySelector(selector: string): El | null;
        }
        const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<El> } })
          .document;
        const re = new RegExp(source);
        for (const a of doc.querySelectorAll('article')) {
          const bar = a.querySelector('[role="progressbar"], progress');
          if (a.getAttribute('aria-label') === label && re.test(a.textContent ?? '') && bar)
            return {
              text: a.textContent,
              value: bar.getAttribute('aria-valuenow'),
              name: bar.getAttribute('aria-label'),
            };
        }
        return null;
      },
      { source: eta.source, label: `Syncing ${SWEEP}` },
      { polling: 20, timeout: 30_000 },
    );
    const shown = (await seen.jsonValue()) as { text: string; value: string; name: string };
    const [, done, total, , pct] = eta.exec(shown.text) ?? [];
    expect(Number(done)).toBeLessThan(Number(total));
    expect(Math.abs(Number(pct) - (Number(done) / Number(total)) * 100)).toBeLessThanOrEqual(2);
    expect(shown.value).toBe(pct);
    expect(shown.name).toBe(`${SWEEP}: ${pct} %`);
    await screenshot(page, 'overview-syncing');
    proxy.setUploadRate(null);

    // Then synced.
    await expect.poll(() => state.textContent(), { timeout: 60_000 }).toMatch(/^Up to date/);
    await expect.poll(text(page.getByTestId('sync-sentence'))).toContain('Synced');
    await expect.poll(count(page.getByRole('article', { name: `Syncing ${SWEEP}` }))).toBe(0);
    await sampling;
    const end = samples.at(-1)?.at ?? Date.now();
    console.info(
      `the transfer as shown (seconds before its end: figures):\n${samples
        .filter((x, i) => i === 0 || x.text !== samples[i - 1]!.text)
        .map((x) => `  -${((end - x.at) / 1000).toFixed(1)} s: ${x.text}`)
        .join('\n')}`,
    );
    await screenshot(page, 'overview');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'overview-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await nav(page, 'Activity');
    const attempts = page.getByRole('table', { name: 'Attempts' });
    const row = attempts.getByRole('row').filter({ hasText: SWEEP }).filter({ hasText: 'synced' });
    await expect.poll(count(row), { timeout: 10_000 }).toBe(1);
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('sync');
    expect(await row.getByRole('cell').nth(4).textContent()).toBe('1'); // revision 1
    await screenshot(page, 'activity');
  });

  it('2. Sweeps lists it; its page has one row per pair, sorts a decimal column by value, and plots one line per colour value', async () => {
    await nav(page, 'Sweeps');
    const list = page.getByRole('table', { name: 'Synced sweeps' });
    const entry = list.getByRole('row').filter({ has: page.getByRole('link', { name: SWEEP, exact: true }) });
    await expect.poll(count(entry), { timeout: 10_000 }).toBe(1);
    expect(await entry.getByRole('cell').nth(1).textContent()).toBe('balanced');
    expect(await entry.getByRole('cell').nth(3).textContent()).toBe(String(PAIRS));
    await screenshot(page, 'sweeps');

    await entry.getByRole('link', { name: SWEEP, exact: true }).click();
    await visible(page.getByRole('heading', { level: 1, name: SWEEP }));
    const table = page.getByRole('table', { name: 'Comparison rows' });
    await expect.poll(text(page.getByTestId('row-count')), { timeout: 20_000 }).toBe(`${PAIRS} rows`);
    expect(await table.getAttribute('aria-rowcount')).toBe(String(PAIRS + 1));

    const csv = parse(readFileSync(join(sweep.dir, 'aggregate', 'comparison.csv')), {
      columns: true,
      skip_empty_lines: true,
    }) as Array<Record<string, string>>;
    expect(csv).toHaveLength(PAIRS);

    // Sort by a 28-digit decimal column: the first cells are the smallest values, in order, then the largest.
    const column = 'trading_effect';
    const headers = await table.getByRole('columnheader').allTextContents();
    const index = headers.map((h) => h.replace(/[▲▼]/g, '').trim()).indexOf(column);
    expect(index).toBeGreaterThanOrEqual(0);
    const values = csv.map((r) => Number(r[column])).sort((a, b) => a - b);
    const firstCells = async (n: number) => {
      const rows = table.getByRole('row');
      const out: number[] = [];
      for (let i = 1; i <= n; i++) {
        out.push(Number(await rows.nth(i).getByRole('cell').nth(index).textContent()));
      }
      return out;
    };
    const near = (got: number[], want: number[]) =>
      got.length === want.length &&
      got.every((g, i) => Math.abs(g - want[i]!) <= 1e-5 * Math.max(1, Math.abs(want[i]!)));
    const sortButton = table.getByRole('button', { name: column, exact: false });
    await sortButton.click();
    await expect.poll(attr(table.getByRole('columnheader', { name: column }), 'aria-sort')).toBe('ascending');
    await expect
      .poll(async () => near(await firstCells(5), values.slice(0, 5)), { timeout: 10_000 })
      .toBe(true);
    const asc = await firstCells(8);
    expect([...asc].sort((a, b) => a - b)).toEqual(asc);
    await sortButton.click();
    await expect
      .poll(attr(table.getByRole('columnheader', { name: column }), 'aria-sort'))
      .toBe('descending');
    const desc = [...values].reverse();
    await expect
      .poll(async () => near(await firstCells(5), desc.slice(0, 5)), { timeout: 10_000 })
      .toBe(true);
    await expect
      .poll(text(page.getByTestId('row-count')))
      .toBe(`${PAIRS} rows · sorted by ${column} descending`);

    // The plot: an <svg> with one line per distinct value of the colour parameter it was drawn with.
    const plot = page.getByTestId('plot');
    await expect.poll(count(plot.locator('svg')), { timeout: 20_000 }).toBe(1);
    // The line plot's colour parameter: its figure's select labelled for it ("One line per", "Colour by").
    const figure = page.locator('figure', { has: plot });
    const colour = await figure.getByRole('combobox', { name: /line per|colou?r/i }).inputValue();
    expect(colour).not.toBe('');
    const distinct = new Set(csv.map((r) => Number(r[colour]))).size;
    expect(distinct).toBeGreaterThan(1);
    // Observable Plot's line mark: one <path> per series inside its mark group.
    expect(await plot.locator('svg g[aria-label="line"] path').count()).toBe(distinct);
    expect(await page.getByTestId('heatmap').locator('svg').count()).toBe(1);
    expect(
      await page.getByTestId('heatmap').locator('svg g[aria-label="cell"] rect').count(),
    ).toBeGreaterThan(0);
    // The line plot's x axis: κ-like parameters spanning decades start on a log axis; the choice is offered.
    const axis = figure.getByRole('combobox', { name: 'X axis' });
    await visible(axis);
    const xScale = await plot.getAttribute('data-x-scale');
    expect(['log', 'linear']).toContain(xScale);
    await axis.selectOption('linear');
    await expect.poll(attr(plot, 'data-x-scale')).toBe('linear');
    await axis.selectOption('log');
    await expect.poll(attr(plot, 'data-x-scale')).toBe('log');
    expect(await plot.locator('svg g[aria-label="line"] path').count()).toBe(distinct);
    await axis.selectOption('auto');
    await expect.poll(attr(plot, 'data-x-scale')).toBe(xScale);

    // Objects and files: the sweep's page carries counts only; the files come page by page.
    const filesPanel = page.getByRole('region', { name: 'Objects and files' });
    const fileCount = sweep.files.length;
    expect(fileCount).toBeGreaterThan(100);
    await filesPanel.getByText(`${fileCount.toLocaleString('en-US')} files in this revision`).click();
    const filesTable = filesPanel.getByRole('table', { name: 'Files' });
    const filePager = filesPanel.getByRole('navigation', { name: 'File pages' });
    await expect.poll(text(filePager), { timeout: 10_000 }).toMatch(new RegExp(`^1–100 of ${fileCount}`));
    expect(await filesTable.getByRole('row').count()).toBe(101);
    const sorted = [...sweep.files].sort();
    expect(await filesTable.getByRole('row').nth(1).getByRole('cell').first().textContent()).toBe(sorted[0]);
    await filePager.getByRole('button', { name: 'Next' }).click();
    await expect.poll(text(filePager)).toMatch(new RegExp(`^101–200 of ${fileCount}`));
    await expect.poll(text(filesTable.getByRole('row').nth(1).getByRole('cell').first())).toBe(sorted[100]);
    await filesPanel.getByLabel('Find a file').fill('comparison.csv');
    const matching = sweep.files.filter((f) => f.toLowerCase().includes('comparison.csv'));
    await expect
      .poll(text(filePager), { timeout: 10_000 })
      .toMatch(new RegExp(`^1–${matching.length} of ${matching.length}`));
    await filesPanel.getByLabel('Find a file').fill('');
    await expect.poll(text(filePager), { timeout: 10_000 }).toMatch(new RegExp(`^1–100 of ${fileCount}`));
    await page.evaluate(
      `document.querySelector('[aria-labelledby="objects-title"]').scrollIntoView({ block: 'start' })`,
    );
    await screenshot(page, 'sweep-files');

    // The pictures: the page's head and table (scrolled back to the first column), then the plots, also
    // in the dark scheme (axes and labels must stay readable).
    await page.evaluate("document.querySelector('.grid-scroll').scrollLeft = 0");
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'sweep');
    await page.evaluate(`document.querySelector('[data-testid="plot"]').scrollIntoView({ block: 'center' })`);
    await screenshot(page, 'sweep-plots');
    await page.evaluate(
      `document.querySelector('[data-testid="heatmap"]').scrollIntoView({ block: 'center' })`,
    );
    await screenshot(page, 'sweep-heatmap');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.evaluate(`document.querySelector('[data-testid="plot"]').scrollIntoView({ block: 'center' })`);
    await screenshot(page, 'sweep-plots-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('3. restore from the dialog: byte-identical; a non-empty folder is refused and untouched; a cancel leaves nothing', async () => {
    const source = await hashTree(sweep.dir);
    const restoreInto = async (target: string) => {
      const dialog = page.getByRole('dialog');
      if (!(await dialog.isVisible())) await page.getByRole('button', { name: 'Restore…' }).click();
      await dialog.getByLabel('Target folder').fill(target);
      await dialog.getByRole('button', { name: 'Start restore' }).click();
      return dialog;
    };

    // Into a new folder: every file byte-identical.
    const fresh = join(work, 'restored', 'new', SWEEP);
    let dialog = await restoreInto(fresh);
    const result = dialog.getByTestId('restore-result');
    await expect.poll(text(result), { timeout: 60_000 }).toContain(`${sweep.files.length} files`);
    expect(await result.textContent()).toContain('every sha256 verified');
    expect(await hashTree(fresh)).toEqual(source);
    await screenshot(page, 'restore');

    // Into a non-empty folder without overwrite: refused, in words, and nothing there changes.
    const occupied = join(work, 'restored', 'occupied');
    await mkdir(join(occupied, 'aggregate'), { recursive: true });
    await writeFile(join(occupied, 'aggregate', 'comparison.csv'), 'my own notes\n');
    await writeFile(join(occupied, 'notes.txt'), 'keep me\n');
    const before = await hashTree(occupied);
    dialog = await restoreInto(occupied);
    const refusal = dialog.getByRole('alert').filter({ hasText: /refused/i });
    await visible(refusal);
    expect(await refusal.textContent()).toMatch(/comparison\.csv|not empty|already/i);
    expect(await hashTree(occupied)).toEqual(before);
    expect(await readdir(occupied)).toEqual(['aggregate', 'notes.txt']);

    // Cancelled half-way (downloads slowed to ~2 MB/s): the target folder is left as it was — absent.
    proxy.setDownloadRate(2 * 1024 * 1024);
    const cancelled = join(work, 'restored', 'cancelled', SWEEP);
    dialog = await restoreInto(cancelled);
    await visible(dialog.getByRole('progressbar').first());
    // Part-way: bytes done / total, the percent, speed and time left, while the archives are extracted.
    const restoring = dialog.getByRole('article', { name: `Restoring ${SWEEP}` });
    const partWay =
      /(\d+(?:\.\d+)?) \/ (\d+(?:\.\d+)?) (kB|MB|GB)\s*(\d{1,2})%.*?\/s.*?(\d+ (?:s|min)(?: \d+ s)?) left/;
    await expect
      .poll(async () => partWay.test((await restoring.textContent()) ?? ''), {
        timeout: 20_000,
        interval: 50,
      })
      .toBe(true);
    const [, rDone, rTotal, , rPct] = partWay.exec((await restoring.textContent()) ?? '') ?? [];
    expect(Number(rDone)).toBeLessThan(Number(rTotal));
    expect(Number(rDone)).toBeGreaterThan(0);
    expect(Math.abs(Number(rPct) - (Number(rDone) / Number(rTotal)) * 100)).toBeLessThanOrEqual(2);
    await screenshot(page, 'restore-progress');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(text(dialog.getByTestId('restore-result')), { timeout: 30_000 }).toMatch(/cancel/i);
    proxy.setDownloadRate(null);
    const parent = await readdir(join(work, 'restored', 'cancelled')).catch(() => null);
    expect(parent === null || parent.length === 0, `left behind: ${parent}`).toBe(true);

    // Activity lists the sync and the three restore attempts, each with how it went.
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await nav(page, 'Activity');
    const restores = page
      .getByRole('table', { name: 'Attempts' })
      .getByRole('row')
      .filter({ hasText: 'restore' });
    await expect.poll(count(restores), { timeout: 10_000 }).toBe(3);
    const results = (await restores.allTextContents()).join('\n');
    for (const word of ['restored', 'failed', 'cancelled']) expect(results).toContain(word);
    // The cancelled one reads as cancelled, in a neutral colour, with no error wording.
    const cancelledRow = restores.filter({ hasText: 'cancelled' });
    expect(await cancelledRow.count()).toBe(1);
    expect(await cancelledRow.locator('.badge').getAttribute('class')).toContain('badge-neutral');
    expect(await cancelledRow.locator('.error-text').count()).toBe(0);
    expect(await cancelledRow.textContent()).not.toMatch(/rejected|error|integrity/i);
    expect(await cancelledRow.textContent()).toContain('nothing was left behind');
    await screenshot(page, 'activity');
  });

  it('a view that fails to render shows the error and a Reload button, not a blank page', async () => {
    // A sweep page answered with a broken value (as a bug in the page would meet it); a name not seen
    // before, so nothing cached answers instead.
    const broken = 'no_such_sweep';
    await page.route('**/api/commands/sweeps.get', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ ok: true, value: { name: broken, revisions: null, objects: null } }),
      }),
    );
    await page.evaluate(`location.hash = '#/sweeps/${broken}'`);
    const boundary = page.getByTestId('view-error');
    await visible(boundary, 20_000);
    expect(await boundary.textContent()).toMatch(/could not be shown/);
    expect(((await boundary.locator('pre').textContent()) ?? '').length).toBeGreaterThan(0);
    await screenshot(page, 'view-error');
    // The navigation still works around it, and another view draws.
    await nav(page, 'Activity');
    await visible(page.getByRole('heading', { level: 1, name: 'Activity' }));
    expect(await page.getByTestId('view-error').count()).toBe(0);
    // Reload, with the service answering for real again: the page says what is wrong, in words.
    await page.evaluate(`location.hash = '#/sweeps/${broken}'`);
    await visible(boundary, 20_000);
    await page.unroute('**/api/commands/sweeps.get');
    await boundary.getByRole('button', { name: 'Reload' }).click();
    await visible(page.getByRole('heading', { level: 1, name: broken }), 20_000);
    await visible(page.getByRole('alert').filter({ hasText: /no synced sweep named/i }), 20_000);
    expect(await page.getByTestId('view-error').count()).toBe(0);
  });
});
