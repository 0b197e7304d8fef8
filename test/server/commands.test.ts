/**
 * The contract's commands over HTTP against the real service: a round trip (`app.info`,
 * `status.overview`), a command's failure as data with HTTP 200 (an invalid request is a `usage` error
 * naming the field), and the transport's own answers: 404 for a name the contract doesn't have, 400 for a
 * body that isn't JSON, 413 over 1 MiB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/shared/commands.js';
import { command, request, startTestServer, type TestServer } from './helpers.js';

describe('commands over HTTP', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.dispose();
  });

  it('answers app.info and status.overview with the service’s results', async () => {
    const info = await command(s, 'app.info');
    expect(info.status).toBe(200);
    expect(info.json).toEqual({ ok: true, value: await s.service.call('app.info', {}) });

    const overview = await command(s, 'status.overview', { recent: 5 });
    expect(overview.status).toBe(200);
    expect(overview.json.ok).toBe(true);
    const parsed = commands['status.overview'].response.parse(overview.json.value);
    expect(parsed.destinations.objectStore.kind).toBe('local');
    expect(parsed.watching).toEqual([]);
  });

  it('answers an invalid request with a usage error naming the field, as HTTP 200', async () => {
    const bad = await command(s, 'status.overview', { recent: -1 });
    expect(bad.status).toBe(200);
    expect(bad.json).toMatchObject({
      ok: false,
      error: { category: 'usage', code: 'request-invalid', field: 'recent' },
    });

    const unknownKey = await command(s, 'app.info', { nope: 1 });
    expect(unknownKey.json).toMatchObject({ ok: false, error: { category: 'usage', field: 'nope' } });

    const notAnObject = await command(s, 'history.list', [1, 2]);
    expect(notAnObject.status).toBe(200);
    expect(notAnObject.json).toMatchObject({ ok: false, error: { category: 'usage' } });
  });

  it('answers a command that fails as HTTP 200 with the error', async () => {
    const r = await command(s, 'jobs.get', { jobId: 'no-such-job' });
    expect(r.status).toBe(200);
    expect(r.json.ok).toBe(false);
    expect(r.json.error?.category).toBe('not-found');
  });

  it('takes a POST without a body as the empty request', async () => {
    const res = await request(`${s.base}/api/commands/app.info`, { method: 'POST', headers: s.page });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
  });

  it('answers 404 for a command the contract does not have', async () => {
    for (const name of ['no.such', 'constructor', '__proto__', 'toString']) {
      const r = await command(s, name);
      expect(r.status, name).toBe(404);
      expect(r.json).toMatchObject({ ok: false, error: { code: 'unknown-command' } });
    }
    expect(
      (await request(`${s.base}/api/commands`, { method: 'POST', headers: s.page, json: {} })).status,
    ).toBe(404);
    // GET is not how commands are called.
    expect((await request(`${s.base}/api/commands/app.info`, { headers: s.page })).status).toBe(404);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const post = (body: string, type: string) =>
      request(`${s.base}/api/commands/app.info`, {
        method: 'POST',
        headers: { ...s.page, 'content-type': type },
        body,
      });
    for (const [body, type] of [
      ['{not json', 'application/json'],
      ['', 'application/json'],
      ['{"__proto__": {"x": 1}}', 'application/json'],
      ['{}', 'text/plain'],
      ['a=1', 'application/x-www-form-urlencoded'],
    ] as const) {
      const res = await post(body, type);
      expect(res.status, `${type}: ${body}`).toBe(400);
      const json = (await res.json()) as { ok: boolean; error: { code: string } };
      expect(json.ok).toBe(false);
    }
  });

  it('answers 413 for a body over 1 MiB, and accepts one just under', async () => {
    const big = JSON.stringify({ recent: 1, pad: 'x'.repeat(1024 * 1024) });
    const res = await request(`${s.base}/api/commands/status.overview`, {
      method: 'POST',
      headers: { ...s.page, 'content-type': 'application/json' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('body-too-large');

    const under = await command(s, 'status.overview', { recent: 1, pad: 'x'.repeat(1000 * 1000) });
    expect(under.status).toBe(200);
    expect(under.json).toMatchObject({ ok: false, error: { category: 'usage', field: 'pad' } });
  });
});
