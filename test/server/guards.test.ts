/**
 * The browser mode's guards, against the real server on a real port (must-show 5 of the window issue):
 * without the token every request — the page, its assets, every command, the event stream — is 401; the
 * token URL is swapped for an HttpOnly, SameSite=Strict cookie and a redirect without the token; then the
 * page loads with its security headers; a foreign Host is 403 even with the cookie (DNS rebinding); a
 * state-changing request with a foreign or missing Origin is 403 (CSRF); and a server whose renderer
 * isn't built says to run `npm run build`. The renderer here is a minimal temp folder (helpers.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/server/headers.js';
import { COMMAND_NAMES } from '../../src/shared/commands.js';
import { APP_JS, rawRequest, request, startTestServer, type TestServer } from './helpers.js';

describe('browser mode guards', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.dispose();
  });

  it('listens on 127.0.0.1 and prints a URL whose token has at least 128 bits', () => {
    const url = new URL(s.mode.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.pathname).toBe('/');
    const token = url.searchParams.get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });

  it('answers 401 to every request without the token: page, assets, every command, the event stream', async () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/some/page', '/api/events', '/api/nothing']) {
      const res = await request(`${s.base}${path}`);
      expect(res.status, path).toBe(401);
      expect(await res.text(), path).not.toContain(APP_JS);
    }
    for (const name of COMMAND_NAMES) {
      const res = await request(`${s.base}/api/commands/${name}`, {
        method: 'POST',
        headers: { origin: s.base },
        json: {},
      });
      expect(res.status, name).toBe(401);
      const body = (await res.json()) as { ok: boolean; error: { code: string } };
      expect(body.ok).toBe(false);
      expect(body.error.code).toBe('unauthorized');
    }
  });

  it('refuses a wrong token, cookie or bearer header', async () => {
    const wrong = `${s.mode.token.slice(0, -2)}xx`;
    expect((await request(`${s.base}/?token=${wrong}`)).status).toBe(401);
    expect(
      (await request(`${s.base}/`, { headers: { cookie: `bilancio-sync-${s.mode.port}=${wrong}` } })).status,
    ).toBe(401);
    // The cookie of another port's server doesn't count here.
    expect(
      (await request(`${s.base}/`, { headers: { cookie: `bilancio-sync-1=${s.mode.token}` } })).status,
    ).toBe(401);
    expect((await request(`${s.base}/`, { headers: { authorization: `Bearer ${wrong}` } })).status).toBe(401);
    expect((await request(`${s.base}/`, { headers: { authorization: s.mode.token } })).status).toBe(401);
  });

  it('swaps the token URL for a cookie and a redirect, then serves the page with its security headers', async () => {
    const first = await request(s.mode.url);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/');
    const setCookie = first.headers.get('set-cookie')!;
    expect(setCookie).toContain(`bilancio-sync-${s.mode.port}=${s.mode.token}`);
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Strict/i);
    expect(setCookie).toMatch(/;\s*Path=\/(;|$)/);
    expect(setCookie).not.toMatch(/Secure/i);
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');

    const cookie = setCookie.split(';')[0]!;
    const page = await request(`${s.base}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<div id="root">');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ]) {
      expect(csp.split('; ')).toContain(directive);
    }
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');

    const asset = await request(`${s.base}/assets/app.js`, { headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(await asset.text()).toBe(APP_JS);

    // A page path of the renderer's own routes is the index too; a missing file is 404.
    expect((await request(`${s.base}/sweeps/x`, { headers: { cookie } })).status).toBe(200);
    expect((await request(`${s.base}/assets/missing.js`, { headers: { cookie } })).status).toBe(404);
  });

  it('keeps the rest of the URL when it drops the token', async () => {
    const res = await request(`${s.base}/sweeps/a?view=rows&token=${s.mode.token}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/sweeps/a?view=rows');
    // Never a redirect to another host.
    for (const path of ['//evil.example/x', '/\\evil.example/x', '/\\/evil.example/x']) {
      const r = await rawRequest(s.base, `${path}?token=${s.mode.token}`, {
        headers: { host: new URL(s.base).host },
      });
      expect(r.status, path).toBe(302);
      expect(r.headers.location, path).toMatch(/^\/[^/\\]/);
    }
  });

  it('takes a bearer header for scripts, and answers the API with Cache-Control: no-store', async () => {
    const res = await request(`${s.base}/api/commands/app.info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.mode.token}`, origin: s.base },
      json: {},
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
  });

  it('refuses a foreign Host with 403, even with the cookie (DNS rebinding), before authentication', async () => {
    const port = s.mode.port;
    for (const host of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, `127.0.0.1`, `localhost.:${port}`]) {
      const page = await rawRequest(s.base, '/', { headers: { host, cookie: s.cookie } });
      expect(page.status, host).toBe(403);
      expect(page.body).not.toContain('<div id="root">');
      const api = await rawRequest(s.base, '/api/commands/app.info', {
        method: 'POST',
        headers: { host, cookie: s.cookie, origin: s.base, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(api.status, host).toBe(403);
      expect(JSON.parse(api.body).error.code).toBe('host-refused');
      expect((await rawRequest(s.base, '/api/events', { headers: { host, cookie: s.cookie } })).status).toBe(
        403,
      );
    }
    // Checked before authentication: no token at all is still 403, not 401.
    expect((await rawRequest(s.base, '/', { headers: { host: `evil.example:${port}` } })).status).toBe(403);
    // Our own names pass.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      expect((await rawRequest(s.base, '/', { headers: { host, cookie: s.cookie } })).status, host).toBe(200);
    }
  });

  it('refuses a state-changing request with a foreign or missing Origin (CSRF), accepts our own', async () => {
    const post = (headers: Record<string, string>) =>
      request(`${s.base}/api/commands/sync.pause`, {
        method: 'POST',
        headers: { cookie: s.cookie, ...headers },
        json: {},
      });
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${s.mode.port}`,
      'null',
      `http://127.0.0.1:${s.mode.port + 1}`,
      `https://127.0.0.1:${s.mode.port}`,
    ]) {
      const res = await post({ origin });
      expect(res.status, origin).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin-refused');
    }
    const missing = await post({});
    expect(missing.status).toBe(403);
    // Nothing was paused by the refused requests.
    expect((await s.service.call('status.overview', {})).pause).toBeNull();

    for (const origin of [s.base, `http://localhost:${s.mode.port}`]) {
      const res = await post({ origin });
      expect(res.status, origin).toBe(200);
      expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    }
    await s.service.call('sync.resume', {});
    // Other state-changing methods are held to the same rule.
    expect(
      (await request(`${s.base}/api/commands/app.info`, { method: 'PUT', headers: { cookie: s.cookie } }))
        .status,
    ).toBe(403);
    // A GET may come without Origin, but not with a foreign one.
    expect((await request(`${s.base}/`, { headers: { cookie: s.cookie } })).status).toBe(200);
    expect(
      (await request(`${s.base}/`, { headers: { cookie: s.cookie, origin: 'http://evil.example' } })).status,
    ).toBe(403);
  });
});

describe('browser mode without a built renderer', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ rendererDir: null });
  });
  afterAll(async () => {
    await s?.dispose();
  });

  it('answers the page with a 500 saying to run npm run build; the API still works', async () => {
    const page = await request(`${s.base}/`, { headers: { cookie: s.cookie } });
    expect(page.status).toBe(500);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('npm run build');
    // Still behind the token.
    expect((await request(`${s.base}/`)).status).toBe(401);
    const api = await request(`${s.base}/api/commands/app.info`, {
      method: 'POST',
      headers: s.page,
      json: {},
    });
    expect(api.status).toBe(200);
  });
});
