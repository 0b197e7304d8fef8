/**
 * The real `bilancio-sync ui` command: it prints `Bilancio Sync is running at <url>` as one line, with a
 * token of at least 128 bits, answers on 127.0.0.1 only (a connection to this machine's other addresses
 * is refused), serves the renderer of the package root whatever the working folder, watches the given
 * folder — or none, and starts watching when the page adds one — and stops cleanly on SIGTERM.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { request, startUi } from './helpers.js';

function nonLoopbackAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  return null;
}

function tryConnect(host: string, port: number): Promise<'connected' | string> {
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.on('connect', () => {
      socket.destroy();
      done('connected');
    });
    socket.on('timeout', () => {
      socket.destroy();
      done('timeout');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

describe('bilancio-sync ui', () => {
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-ui-cli-'));
    env = {
      BILANCIO_SYNC_HOME: join(work, 'home'),
      BILANCIO_SYNC_SETTLE_SECONDS: '0',
      BILANCIO_SYNC_SECRETS: 'file',
    };
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('prints a token URL, answers on 127.0.0.1 only, serves the package’s renderer, stops on SIGTERM', async () => {
    const ui = await startUi(['--no-open', '--port', '0'], env, work);
    try {
      const lines = ui.stdout().split('\n').filter(Boolean);
      expect(lines).toEqual([`Bilancio Sync is running at ${ui.url}`]);
      const url = new URL(ui.url);
      expect(url.protocol).toBe('http:');
      expect(url.hostname).toBe('127.0.0.1');
      const port = Number(url.port);
      expect(port).toBeGreaterThan(0);
      const token = url.searchParams.get('token')!;
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
      // No folder configured: it doesn't fail, it says so.
      await expect
        .poll(() => ui.stderr(), { timeout: 10_000 })
        .toContain('No experiments folder to watch yet');

      const info = await request(`${url.origin}/api/commands/app.info`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, origin: url.origin },
        json: {},
      });
      expect(info.status).toBe(200);
      expect(((await info.json()) as { value: { name: string } }).value.name).toBe('Bilancio Sync');
      expect((await request(`${url.origin}/`)).status).toBe(401);

      // The renderer comes from the package root, not from the working folder (a temp folder here).
      const page = await request(`${url.origin}/`, { headers: { authorization: `Bearer ${token}` } });
      if (existsSync(resolve('out/renderer/index.html'))) {
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('<div id="root">');
      } else {
        expect(page.status).toBe(500);
        expect(await page.text()).toContain('npm run build');
      }

      expect(await tryConnect('127.0.0.1', port)).toBe('connected');
      const other = nonLoopbackAddress();
      if (other) expect(await tryConnect(other, port)).toBe('ECONNREFUSED');
      else
        console.warn(
          'no non-loopback IPv4 address on this machine: the "refused elsewhere" check is skipped',
        );
    } finally {
      expect(await ui.stop()).toBe(0);
    }
    expect(ui.stderr()).toContain('SIGTERM: stopping');
  });

  it('watches the folder given, and with none starts watching once the page adds one', async () => {
    const experiments = join(work, 'experiments');
    await mkdir(experiments, { recursive: true });

    const given = await startUi(['--no-open', '--port', '0', experiments], env, work);
    try {
      const url = new URL(given.url);
      const headers = { authorization: `Bearer ${url.searchParams.get('token')}`, origin: url.origin };
      const overview = async () => {
        const res = await request(`${url.origin}/api/commands/status.overview`, {
          method: 'POST',
          headers,
          json: {},
        });
        return ((await res.json()) as { value: { watching: string[] } }).value;
      };
      await expect.poll(async () => (await overview()).watching, { timeout: 20_000 }).toEqual([experiments]);
    } finally {
      expect(await given.stop()).toBe(0);
    }

    const none = await startUi(['--no-open', '--port', '0'], env, work);
    try {
      const url = new URL(none.url);
      const headers = { authorization: `Bearer ${url.searchParams.get('token')}`, origin: url.origin };
      const call = async (name: string, body: unknown) => {
        const res = await request(`${url.origin}/api/commands/${name}`, {
          method: 'POST',
          headers,
          json: body,
        });
        return (await res.json()) as { ok: boolean; value: { watching: string[]; folders: string[] } };
      };
      expect((await call('status.overview', {})).value.watching).toEqual([]);
      expect((await call('folders.add', { path: experiments })).value.folders).toEqual([experiments]);
      await expect
        .poll(async () => (await call('status.overview', {})).value.watching, { timeout: 20_000 })
        .toEqual([experiments]);
    } finally {
      expect(await none.stop()).toBe(0);
    }

    // Now configured: a plain `ui` watches it; `--no-watch` doesn't.
    const configured = await startUi(['--no-open', '--port', '0', '--no-watch'], env, work);
    try {
      const url = new URL(configured.url);
      const res = await request(`${url.origin}/api/commands/status.overview`, {
        method: 'POST',
        headers: { authorization: `Bearer ${url.searchParams.get('token')}`, origin: url.origin },
        json: {},
      });
      expect(((await res.json()) as { value: { watching: string[] } }).value.watching).toEqual([]);
    } finally {
      expect(await configured.stop()).toBe(0);
    }
  });

  it('refuses a bad port or a missing folder with the usage exit code', async () => {
    const badPort = await runCli(['ui', '--no-open', '--port', 'eighty'], env, work);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port');
    const missing = await runCli(['ui', '--no-open', '--port', '0', join(work, 'nope')], env, work);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('is not a folder');
    expect(missing.stdout).not.toContain('running at');
  });
});
