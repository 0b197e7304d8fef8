/**
 * Issue 9, must show 5 against the real `bilancio-sync ui` process: without the token every API request,
 * the event stream, the page and its assets get 401; a foreign `Host` (DNS rebinding) or `Origin` (CSRF)
 * is refused with 403 even with the token. Then the first run on an empty home, in Chromium: add the
 * experiments folder, a real sync on the local default, and its screenshot.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/shared/commands.js';
import { generateSweep } from '../fixtures/generator.js';
import {
  type Browser,
  ensureRendererBuilt,
  failureShot,
  launchBrowser,
  ROOT,
  screenshot,
  signIn,
  startUi,
  text,
  type UiProcess,
  visible,
} from './harness.js';

/** A request with the headers exactly as given (Node's fetch sets its own Host). */
function raw(
  origin: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(origin);
  return new Promise((done, fail) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', fail);
    req.end(options.body);
  });
}

describe('the real ui process: token, Host and Origin; the first run', () => {
  let work: string;
  let home: string;
  let experiments: string;
  let ui: UiProcess;
  let browser: Browser | undefined;
  let page: Page | undefined;

  beforeAll(async () => {
    const built = ensureRendererBuilt();
    work = await mkdtemp(join(tmpdir(), 'bsync-ui-guards-'));
    home = join(work, 'home');
    experiments = join(work, 'experiments');
    await built;
    // An empty home, no folder given: the local default (archive folder + SQLite), nothing watched yet.
    ui = await startUi(
      [],
      { BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '2', BILANCIO_SYNC_SECRETS: 'file' },
      work,
    );
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await failureShot(page, ctx.task.name, browser);
  });
  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('5. without the token: 401 for every command, the events, the page and its assets; foreign Host or Origin: 403', async () => {
    const names = Object.keys(commands);
    expect(names.length).toBeGreaterThan(20);
    const assets = await readdir(join(ROOT, 'out', 'renderer', 'assets'));
    const bare = { 'content-type': 'application/json' };
    for (const name of names) {
      const res = await fetch(`${ui.origin}/api/commands/${name}`, {
        method: 'POST',
        headers: { ...bare, origin: ui.origin },
        body: '{}',
        redirect: 'manual',
      });
      expect(res.status, name).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code, name).toBe('unauthorized');
    }
    for (const path of [
      '/',
      '/index.html',
      '/api/events',
      '/?token=not-the-token',
      ...assets.map((a) => `/assets/${a}`),
    ]) {
      const res = await fetch(`${ui.origin}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(401);
      expect(await res.text(), path).not.toContain('id="root"');
    }
    // A wrong bearer or cookie is no better than none.
    const wrong = await fetch(`${ui.origin}/api/commands/settings.get`, {
      method: 'POST',
      headers: {
        ...bare,
        origin: ui.origin,
        authorization: 'Bearer not-the-token',
        cookie: `bilancio-sync-${ui.port}=nope`,
      },
      body: '{}',
    });
    expect(wrong.status).toBe(401);

    // With the token, the same request works…
    const auth = { authorization: `Bearer ${ui.token}` };
    const ok = await raw(ui.origin, '/api/commands/app.info', {
      method: 'POST',
      headers: { ...bare, ...auth, host: `127.0.0.1:${ui.port}`, origin: ui.origin },
      body: '{}',
    });
    expect(ok.status).toBe(200);
    // …but not under another name (DNS rebinding), for the page and the API alike,
    for (const host of ['evil.example', `evil.example:${ui.port}`, `127.0.0.1:${ui.port + 1}`]) {
      for (const [method, path] of [
        ['GET', '/'],
        ['GET', '/api/events'],
        ['POST', '/api/commands/app.info'],
      ] as const) {
        const res = await raw(ui.origin, path, {
          method,
          headers: { ...bare, ...auth, host, origin: ui.origin },
          body: method === 'POST' ? '{}' : undefined,
        });
        expect(res.status, `${method} ${path} Host: ${host}`).toBe(403);
      }
    }
    // …nor from another site's page (CSRF), nor a state-changing request with no Origin at all.
    for (const origin of ['http://evil.example', `http://127.0.0.1:${ui.port + 1}`, 'null']) {
      const res = await raw(ui.origin, '/api/commands/sync.pause', {
        method: 'POST',
        headers: { ...bare, ...auth, host: `127.0.0.1:${ui.port}`, origin },
        body: '{"for":"resume"}',
      });
      expect(res.status, `Origin: ${origin}`).toBe(403);
    }
    const noOrigin = await raw(ui.origin, '/api/commands/sync.resume', {
      method: 'POST',
      headers: { ...bare, ...auth, host: `127.0.0.1:${ui.port}` },
      body: '{}',
    });
    expect(noOrigin.status).toBe(403);
    // A cross-site read is refused too.
    const read = await raw(ui.origin, '/api/events', {
      headers: { ...auth, host: `127.0.0.1:${ui.port}`, origin: 'http://evil.example' },
    });
    expect(read.status).toBe(403);
    // Nothing of the refused requests happened: not paused.
    const overview = await raw(ui.origin, '/api/commands/status.overview', {
      method: 'POST',
      headers: { ...bare, ...auth, host: `127.0.0.1:${ui.port}`, origin: ui.origin },
      body: '{}',
    });
    expect((JSON.parse(overview.body) as { value: { pause: unknown } }).value.pause).toBeNull();
  });

  it('first run on an empty home: add the experiments folder, a real sync on the local default', async () => {
    await mkdir(experiments, { recursive: true });
    await generateSweep({ root: experiments, name: 'first_sweep', type: 'balanced', pairs: 3 });
    browser = await launchBrowser();
    page = browser.page;
    await signIn(page, ui);
    await visible(page.getByRole('heading', { level: 1, name: 'Welcome to Bilancio Sync' }));
    await page.getByRole('textbox', { name: 'Experiments folder' }).fill(experiments);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await visible(page.getByRole('status').filter({ hasText: `Watching ${experiments}` }));
    // The watcher finds the sweep (already quiet), settles and syncs it; Sync now asks at once.
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(text(page.getByRole('main')), { timeout: 60_000 }).toContain('1 of 1 sweep synced');
    await screenshot(page, 'first-run');
  });
});
