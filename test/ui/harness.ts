/**
 * What the window tests share: the built renderer (built here only when `out/renderer` is missing — CI
 * builds it before the tests), the real `bilancio-sync ui` command in a child process with a clean
 * environment, Debian's Chromium driven by playwright-core, screenshots into docs/screenshots, and Node
 * requests against the same server (no cookie) for the guard checks.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Locator, type Page, type Response } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'bin', 'bilancio-sync.js');
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');
/** Where pictures of failed steps go (never committed). */
export const FAILURES = join(tmpdir(), 'bilancio-sync-ui-failures');
export const VIEWPORT = { width: 1280, height: 800 };

const run = promisify(execFile);

/** `npx electron-vite build` once, when the renderer has not been built (a fresh clone run by hand). */
export async function ensureRendererBuilt(): Promise<void> {
  if (existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) return;
  await run(join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
}

export interface UiProcess {
  /** The URL printed on stdout (token included). */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  token: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code (SIGKILL after 15 s). */
  stop(): Promise<number | null>;
}

/** Runs the real `bilancio-sync ui … --no-open --port 0` with only PATH and `env`, until it prints its URL. */
export function startUi(args: string[], env: Record<string, string>, cwd: string): Promise<UiProcess> {
  const child = spawn(process.execPath, [CLI, 'ui', '--no-open', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let code: number | null | undefined;
  const exited = new Promise<number | null>((res) =>
    child.on('close', (c) => {
      code = c;
      res(c);
    }),
  );
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`ui printed no URL in 60 s; stdout: ${stdout}; stderr: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /^Bilancio Sync is running at (\S+)$/m.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      const url = new URL(m[1]!);
      done({
        url: url.toString(),
        origin: url.origin,
        port: Number(url.port),
        token: url.searchParams.get('token') ?? '',
        stdout: () => stdout,
        stderr: () => stderr,
        async stop() {
          if (code !== undefined) return code;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          const c = await exited;
          clearTimeout(killer);
          return c;
        },
      });
    });
    void exited.then((c) => {
      clearTimeout(timer);
      fail(new Error(`ui exited (${c}) before printing a URL; stdout: ${stdout}; stderr: ${stderr}`));
    });
  });
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every response body the page received (API, page, assets, event stream chunks as far as read). */
  bodies: Array<{ url: string; status: number; body: string }>;
  /** Uncaught page errors, console errors and failed requests, for the report of a failed test. */
  problems: string[];
  close(): Promise<void>;
}

/** Debian's Chromium, headless, in a fresh profile, 1280×800, light scheme unless asked. */
export async function launchBrowser(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'bsync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: VIEWPORT,
    colorScheme: options.colorScheme ?? 'light',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const bodies: Browser['bodies'] = [];
  const pending: Array<Promise<void>> = [];
  const record = (r: Response) => {
    // The event stream never ends: its text is read from the page's side by the tests that need it.
    if ((r.headers()['content-type'] ?? '').includes('text/event-stream')) return;
    pending.push(
      r.text().then(
        (body) => {
          bodies.push({ url: r.url(), status: r.status(), body });
        },
        () => undefined,
      ),
    );
  };
  context.on('response', record);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.stack ?? e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (r) =>
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`),
  );
  return {
    context,
    page,
    bodies,
    problems,
    async close() {
      await Promise.allSettled(pending);
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the token URL (the server swaps it for a cookie) and waits for the navigation. */
export async function signIn(page: Page, ui: UiProcess): Promise<void> {
  await page.goto(ui.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).waitFor();
}

export async function nav(page: Page, name: 'Overview' | 'Activity' | 'Sweeps' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
}

/** A full-window screenshot for the README (1280×800, the viewport, not the whole scroll height). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  // Let the plots' transitions and the fonts settle; the caret would make pictures differ run to run.
  await page.evaluate('document.fonts.ready.then(() => undefined)');
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  return file;
}

/** For a failed test: a picture of where the page was, under /tmp, and what went wrong in the page. */
export async function failureShot(page: Page | undefined, name: string, browser?: Browser): Promise<void> {
  if (browser?.problems.length) console.warn(`in the page:\n${browser.problems.join('\n')}`);
  if (!page) return;
  await mkdir(FAILURES, { recursive: true });
  const file = join(FAILURES, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  console.warn(`screenshot of the failure: ${file}`);
}

/** A command as a script sends it: with the bearer token and our Origin. */
export async function command<T = unknown>(ui: UiProcess, name: string, body: unknown = {}): Promise<T> {
  const res = await fetch(`${ui.origin}/api/commands/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ui.token}`, origin: ui.origin, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { ok: boolean; value?: T; error?: unknown };
  if (!res.ok || !json.ok) throw new Error(`${name}: ${res.status} ${JSON.stringify(json.error)}`);
  return json.value as T;
}

/** Polls a locator the way Playwright's own assertions do (vitest's expect has no locator matchers). */
export const text = (l: Locator) => () => l.textContent({ timeout: 2_000 }).catch(() => null);
export const count = (l: Locator) => () => l.count();
export const attr = (l: Locator, name: string) => () =>
  l.getAttribute(name, { timeout: 2_000 }).catch(() => null);
export const visible = (l: Locator, timeout = 30_000) => l.waitFor({ state: 'visible', timeout });
