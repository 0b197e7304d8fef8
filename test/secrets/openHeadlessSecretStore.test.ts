/**
 * Which store the CLI and the browser mode get, and the sentence that says why. The first test asks the
 * real keychain of this machine; the others give a probe's answer, to cover both outcomes anywhere.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import { FileSecretStore } from '../../src/core/secrets/FileSecretStore.js';
import { type KeychainProbe, probeKeychain } from '../../src/core/secrets/KeyringSecretStore.js';
import { openHeadlessSecretStore } from '../../src/core/secrets/openHeadlessSecretStore.js';

const keychain = { service: 'bilancio-sync-test-headless' };
const real = await probeKeychain(keychain);

describe('openHeadlessSecretStore', () => {
  let configDir: string;
  let probes: number;
  const answering = (answer: KeychainProbe) => async () => {
    probes++;
    return answer;
  };
  const works = answering({ ok: true });
  const fails = answering({ ok: false, error: "Couldn't access platform storage: AccessDenied" });

  beforeEach(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'bsync-headless-'));
    probes = 0;
  });
  afterEach(() => rm(configDir, { recursive: true, force: true }));

  it.skipIf(real.ok)(
    'on this machine: no keychain answers, so secrets go to a file only you can read',
    async () => {
      const { store, reason } = await openHeadlessSecretStore({ configDir, env: {}, keychain });
      const file = join(configDir, 'secrets.json');
      expect(store.kind).toBe('file');
      expect(store.description).toBe(`the file ${file}, readable only by you`);
      expect(reason).toBe(
        `no system keychain reachable (${real.ok ? '' : real.error}): secrets are kept in the file ${file}, readable only by you`,
      );
      console.info(`[openHeadlessSecretStore] ${reason}`);

      await store.set('objectStore.secretAccessKey', 'sk');
      expect(JSON.parse(await readFile(file, 'utf8')).secrets).toEqual({
        'objectStore.secretAccessKey': 'sk',
      });
      if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    },
  );

  it('puts the keychain failure in the reason when it falls back to the file', async () => {
    const { store, reason } = await openHeadlessSecretStore({ configDir, env: {}, probe: fails });
    expect(store.kind).toBe('file');
    expect(reason).toMatch(
      /^no system keychain reachable \(Couldn't access platform storage: AccessDenied\): /,
    );
    expect(reason).toContain(join(configDir, 'secrets.json'));
    expect(probes).toBe(1);
  });

  it('uses the keychain when it answers', async () => {
    const { store, reason } = await openHeadlessSecretStore({ configDir, env: {}, probe: works, keychain });
    expect(store.kind).toBe('keychain');
    expect(reason).toBe(`secrets are kept in ${store.description}`);
  });

  it('keeps using a secrets file that already exists, without asking the keychain', async () => {
    await new FileSecretStore({ file: join(configDir, 'secrets.json') }).set('catalog.key', 'ck');
    const { store, reason } = await openHeadlessSecretStore({ configDir, env: {}, probe: works });
    expect(store.kind).toBe('file');
    expect(await store.get('catalog.key')).toBe('ck');
    expect(reason).toMatch(/where they were saved before/);
    expect(probes).toBe(0);
  });

  it('uses the file without probing when the keychain is not wanted', async () => {
    const { store } = await openHeadlessSecretStore({
      configDir,
      env: {},
      preferKeychain: false,
      probe: works,
    });
    expect(store.kind).toBe('file');
    expect(probes).toBe(0);
  });

  it('BILANCIO_SYNC_SECRETS=file forces the file, even with a working keychain', async () => {
    const env = { BILANCIO_SYNC_SECRETS: 'file' };
    const { store, reason } = await openHeadlessSecretStore({ configDir, env, probe: works });
    expect(store.kind).toBe('file');
    expect(reason).toBe(`secrets are kept in ${store.description}, as BILANCIO_SYNC_SECRETS=file asks`);
    expect(probes).toBe(0);
  });

  it('BILANCIO_SYNC_SECRETS=keychain forces the keychain, over an existing file', async () => {
    await new FileSecretStore({ file: join(configDir, 'secrets.json') }).set('catalog.key', 'ck');
    const env = { BILANCIO_SYNC_SECRETS: 'keychain' };
    const { store, reason } = await openHeadlessSecretStore({ configDir, env, probe: works, keychain });
    expect(store.kind).toBe('keychain');
    expect(reason).toMatch(/as BILANCIO_SYNC_SECRETS=keychain asks$/);
  });

  it('BILANCIO_SYNC_SECRETS=keychain with no keychain is a configuration error, never a quiet fallback', async () => {
    const env = { BILANCIO_SYNC_SECRETS: 'keychain' };
    const attempts = [() => openHeadlessSecretStore({ configDir, env, probe: fails })];
    // and for real, where this machine has no keychain
    if (!real.ok) attempts.push(() => openHeadlessSecretStore({ configDir, env, keychain }));
    for (const attempt of attempts) {
      const e = await attempt().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(SyncError);
      expect((e as SyncError).category).toBe('configuration');
      expect((e as SyncError).code).toBe('keychain-unavailable');
      expect((e as SyncError).message).toMatch(/can't be reached \(.+\)/);
      expect((e as SyncError).hint).toBeTruthy();
    }
  });

  it('refuses a BILANCIO_SYNC_SECRETS it does not know', async () => {
    const e = await openHeadlessSecretStore({
      configDir,
      env: { BILANCIO_SYNC_SECRETS: 'vault' },
      probe: works,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(SyncError);
    expect((e as SyncError).code).toBe('secrets-choice-invalid');
    expect((e as SyncError).message).toContain('"vault"');
  });
});
