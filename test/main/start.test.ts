/**
 * `npm start` on a machine where Electron can't start (no binary here; no display either): one line says
 * why, and the browser mode comes up instead, printing a URL that serves the UI.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

it('falls back to browser mode in one line and serves the UI', async () => {
  const home = await mkdtemp(join(tmpdir(), 'bsync-start-'));
  const env: NodeJS.ProcessEnv = { ...process.env, BILANCIO_SYNC_HOME: home, BROWSER: 'true' };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn(
    process.execPath,
    [join(root, 'scripts/start.mjs'), '--no-open', '--no-watch', '--port', '0'],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no URL printed: ${out}`)), 90_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out);
        if (m) {
          clearTimeout(t);
          res(m[1]!);
        }
      });
      child.on('exit', (code) => rej(new Error(`exited ${code}: ${out}`)));
    });
    const lines = out.split('\n').filter((l) => /browser mode/.test(l));
    expect(lines[0]).toMatch(
      /^Electron can't start \(.+\): opening Bilancio Sync in browser mode instead\.$/,
    );
    // The token is traded for a session cookie, then the page is served.
    const first = await fetch(url, { redirect: 'manual' });
    const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? '';
    const page = first.status === 200 ? first : await fetch(new URL('/', url), { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(home, { recursive: true, force: true });
  }
});
