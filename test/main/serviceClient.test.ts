/**
 * The service off the main process, for real: src/main/serviceProcess.ts (the utility-process entry) runs
 * in a Node child process with the real AppService (engine offloaded to its own process, as in the app),
 * behind the real port protocol, called through the real ServiceClient — the main process's Bridge.
 * Secrets go through the port to a SafeStorageSecretStore on this side (an AES stand-in for safeStorage).
 * The child is killed mid-call: the call fails with a clear error, a new process comes up, events resume
 * (a reset envelope first, then the new instance's events from seq 1). Quit closes it cleanly.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretStore } from '../../src/core/secrets/SecretStore.js';
import { SafeStorageSecretStore } from '../../src/main/secrets/SafeStorageSecretStore.js';
import {
  ServiceClient,
  type ServiceConnection,
  type ServiceStatus,
} from '../../src/main/service/ServiceClient.js';
import { nodeSpawner } from '../../src/main/service/spawnNode.js';
import type { AppEvent } from '../../src/shared/events.js';
import { generateSweep } from '../fixtures/generator.js';
import { fakeSafeStorage } from './support/fakeSafeStorage.js';

const ENTRY = resolve(__dirname, '../../src/main/serviceProcess.ts');

async function until<T>(what: string, fn: () => T | undefined | null | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ServiceClient ↔ the service process (real AppService, real port protocol)', () => {
  let work: string;
  let home: string;
  let experiments: string;
  let client: ServiceClient;
  let safe: SafeStorageSecretStore;
  const events: AppEvent[] = [];
  const statuses: ServiceStatus[] = [];
  const connections: ServiceConnection[] = [];
  /** While set, the main side holds the service's secret requests (a call that stays pending). */
  let holdSecrets: Promise<void> | null = null;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-svc-'));
    home = join(work, 'home');
    experiments = join(work, 'experiments');
    await generateSweep({ root: experiments, name: 'svc_sweep', type: 'balanced', pairs: 3 });
    safe = new SafeStorageSecretStore({ safeStorage: fakeSafeStorage(), configDir: home, platform: 'linux' });
    const secrets: SecretStore = {
      kind: safe.kind,
      description: safe.description,
      get: async (n) => {
        await holdSecrets;
        return safe.get(n);
      },
      set: (n, v) => safe.set(n, v),
      delete: (n) => safe.delete(n),
      names: async () => {
        await holdSecrets;
        return safe.names();
      },
    };
    const spawn = nodeSpawner(ENTRY, {
      ...process.env,
      BILANCIO_SYNC_HOME: home,
      BILANCIO_SYNC_SETTLE_SECONDS: '0',
    });
    client = new ServiceClient({
      spawn: () => {
        const c = spawn();
        connections.push(c);
        return c;
      },
      secrets,
      restartDelaysMs: [100],
      onStatus: (s) => statuses.push(s),
    });
    client.subscribe((e) => events.push(e));
    client.start();
    await client.whenReady();
  });

  afterAll(async () => {
    await client?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('answers contract commands, validates requests and refuses unknown commands', async () => {
    const info = await client.invoke('app.info', {});
    expect(info).toMatchObject({ ok: true, value: { name: 'Bilancio Sync', platform: process.platform } });
    const bad = await client.invoke('history.list', { limit: -1 } as never);
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.error).toMatchObject({ category: 'usage', code: 'request-invalid', field: 'limit' });
    const unknown = await client.invoke('no.such' as never, {} as never);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error.code).toBe('unknown-command');
  });

  it('watches a folder added through the contract and syncs the sweep in it, with events', async () => {
    const added = await client.invoke('folders.add', { path: experiments });
    expect(added.ok).toBe(true);
    await until('the sweep synced', () =>
      events.find(
        (e) => e.event.type === 'sweep-state' && e.event.sweep === 'svc_sweep' && e.event.state === 'synced',
      ),
    );
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const overview = await client.invoke('status.overview', { recent: 5 });
    expect(overview.ok && overview.value.watching).toEqual([experiments]);
    // subscribe({ after }) replays from the client's buffer, with the service's seq.
    const replayed: AppEvent[] = [];
    const stop = client.subscribe((e) => replayed.push(e), { after: seqs[seqs.length - 3]! });
    stop();
    expect(replayed.map((e) => e.seq)).toEqual(seqs.slice(-2));
  });

  it('keeps secrets encrypted by safeStorage in main: asked over the port, never sent back in views', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const saved = await client.invoke('settings.save', {
      changes: {
        'objectStore.kind': 's3',
        'objectStore.endpoint': 'http://127.0.0.1:9',
        'objectStore.bucket': 'bucket-1',
        'objectStore.accessKeyId': 'AKIDEXAMPLE',
        'objectStore.secretAccessKey': secret,
      },
    });
    expect(saved.ok ? null : saved.error).toBeNull();
    const onDisk = await readFile(safe.file, 'utf8');
    expect(onDisk).not.toContain(secret);
    expect(onDisk).not.toContain('AKIDEXAMPLE');
    expect(await safe.get('objectStore.secretAccessKey')).toBe(secret);
    const view = await client.invoke('settings.get', {});
    expect(view.ok).toBe(true);
    if (!view.ok) return;
    expect(JSON.stringify(view.value)).not.toContain(secret);
    const row = view.value.settings.find((s) => s.key === 'objectStore.secretAccessKey');
    expect(row).toMatchObject({ set: true, value: null, secret: true });
    expect(view.value.secretStore.kind).toBe('safe-storage');
    // back to the embedded default for what follows
    const back = await client.invoke('settings.save', {
      changes: {
        'objectStore.kind': null,
        'objectStore.endpoint': null,
        'objectStore.bucket': null,
        'objectStore.accessKeyId': null,
        'objectStore.secretAccessKey': null,
      },
    });
    expect(back.ok).toBe(true);
    expect(await safe.names()).toEqual([]);
  });

  it('a dead service: the pending call fails clearly, a new process comes up, events resume', async () => {
    const before = client.currentInstance;
    const firstPid = statuses.filter((s) => s.state === 'ready').length;
    let release!: () => void;
    holdSecrets = new Promise((r) => {
      release = r;
    });
    const pending = client.invoke('settings.get', {});
    await new Promise((r) => setTimeout(r, 300)); // the service is now waiting on main for secret names
    const eventsBefore = events.length;
    connections.at(-1)!.kill();
    const failed = await pending;
    release();
    holdSecrets = null;
    expect(failed.ok).toBe(false);
    if (!failed.ok) {
      expect(failed.error).toMatchObject({ category: 'transient', code: 'service-restarted' });
      expect(failed.error.message).toMatch(/stopped unexpectedly .* before it answered settings\.get/);
    }
    await client.whenReady();
    await until(
      'a new instance',
      () =>
        client.currentInstance !== before && statuses.filter((s) => s.state === 'ready').length > firstPid,
    );
    // The new instance watches again (config.json keeps the folder) and its events come through.
    await until('events of the new instance', () => events.slice(eventsBefore).some((e) => e.seq > 0));
    const after = events.slice(eventsBefore);
    expect(after[0]!.seq).toBe(0); // the reset envelope: "refetch what you show"
    expect(after[1]!.seq).toBe(1);
    const info = await client.invoke('app.info', {});
    expect(info.ok).toBe(true);
  });

  it('close: the service closes its journal and the process exits by itself', async () => {
    const conn = connections.at(-1)!;
    await client.close();
    const { code } = await conn.exited;
    expect(code).toBe(0);
    expect(statuses.at(-1)).toEqual({ state: 'closed' });
    const late = await client.invoke('app.info', {});
    expect(!late.ok && late.error.code).toBe('service-closing');
    // The journal was closed (WAL checkpointed into the main file: no -wal left behind).
    expect(existsSync(join(home, 'data', 'journal.sqlite'))).toBe(true);
    expect(existsSync(join(home, 'data', 'journal.sqlite-wal'))).toBe(false);
  });
});
