/**
 * Secrets never travel to the page (must-show 4 of the window issue, for the server's part), through the
 * real `bilancio-sync ui` process: a secret saved with `settings.save` appears in no API answer (the save
 * itself, `settings.get`, `settings.validate`, `settings.test`, `status.overview`, `events.since`), not in
 * the page, not in the event stream, not in the process's stdout or stderr — also after a restart — and it
 * is stored only in `<home>/secrets.json` (mode 0600), never in config.json nor anywhere else in the home.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, SseReader, startUi, type UiProcess } from './helpers.js';

const SECRET = `sekret-${randomBytes(12).toString('hex')}`;
const KEY_ID = `AKID${randomBytes(6).toString('hex').toUpperCase()}`;

async function signIn(ui: UiProcess): Promise<{ base: string; headers: Record<string, string> }> {
  const res = await request(ui.url);
  expect(res.status).toBe(302);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const base = new URL(ui.url).origin;
  return { base, headers: { cookie, origin: base } };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out;
}

describe('secrets in browser mode', () => {
  let work: string;
  let home: string;
  let env: Record<string, string>;
  const seen: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-ui-secrets-'));
    home = join(work, 'home');
    env = { BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0', BILANCIO_SYNC_SECRETS: 'file' };
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('never sends, prints or misplaces a saved secret', async () => {
    const ui = await startUi(['--no-open', '--port', '0', '--no-watch'], env, work);
    try {
      const { base, headers } = await signIn(ui);
      const stream = await SseReader.open(`${base}/api/events`, { cookie: headers.cookie! });
      await stream.until((r) => r.messages.some((m) => m.event === 'ready'));

      const call = async (name: string, body: unknown) => {
        const res = await request(`${base}/api/commands/${name}`, { method: 'POST', headers, json: body });
        const text = await res.text();
        seen.push(text);
        return JSON.parse(text) as { ok: boolean; value: Record<string, unknown> };
      };
      const changes = {
        'objectStore.kind': 's3',
        'objectStore.endpoint': 'http://127.0.0.1:9',
        'objectStore.bucket': 'bucket',
        'objectStore.accessKeyId': KEY_ID,
        'objectStore.secretAccessKey': SECRET,
      };
      expect((await call('settings.validate', { changes })).ok).toBe(true);
      const saved = await call('settings.save', { changes });
      expect(saved.ok).toBe(true);
      const view = (await call('settings.get', {})).value as {
        settings: Array<{ key: string; value: unknown; set: boolean; source: string }>;
        secretStore: { kind: string };
      };
      const secret = view.settings.find((x) => x.key === 'objectStore.secretAccessKey')!;
      expect(secret).toMatchObject({ value: null, set: true, source: 'secrets-file' });
      expect(view.secretStore.kind).toBe('file');
      await call('settings.test', { changes: {} });
      await call('status.overview', { recent: 50 });
      await call('events.since', { after: 0 });
      await call('queue.get', {});
      const page = await request(`${base}/`, { headers: { cookie: headers.cookie! } });
      seen.push(await page.text());
      await stream.until((r) => r.raw.includes('settings-changed'));
      seen.push(stream.raw);
      stream.close();

      for (const text of seen) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(KEY_ID);
      }
    } finally {
      expect(await ui.stop()).toBe(0);
    }
    for (const out of [ui.stdout(), ui.stderr()]) {
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(KEY_ID);
    }

    // Stored only in the 0600 secrets file.
    const secretsFile = join(home, 'secrets.json');
    expect((await stat(secretsFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(secretsFile, 'utf8')).toContain(SECRET);
    const config = await readFile(join(home, 'config.json'), 'utf8');
    expect(config).not.toContain(SECRET);
    expect(config).not.toContain(KEY_ID);
    expect(JSON.parse(config).secretStore).toBe('file');
    for (const file of await filesUnder(home)) {
      if (file === secretsFile) continue;
      expect((await readFile(file)).includes(SECRET), file).toBe(false);
    }
  });

  it('still holds it, unsent, after a restart (a reload of the page)', async () => {
    const ui = await startUi(['--no-open', '--port', '0', '--no-watch'], env, work);
    try {
      const { base, headers } = await signIn(ui);
      const res = await request(`${base}/api/commands/settings.get`, { method: 'POST', headers, json: {} });
      const text = await res.text();
      expect(text).not.toContain(SECRET);
      const view = JSON.parse(text) as {
        value: { settings: Array<{ key: string; set: boolean; source: string }> };
      };
      expect(view.value.settings.find((x) => x.key === 'objectStore.secretAccessKey')).toMatchObject({
        set: true,
        source: 'secrets-file',
      });
    } finally {
      expect(await ui.stop()).toBe(0);
    }
    expect(ui.stdout() + ui.stderr()).not.toContain(SECRET);
  });
});
