/**
 * The desktop app's secret store: safeStorage (an AES stand-in with Electron's API) encrypts, the
 * ciphertext lives in <config>/secrets.safe.json with mode 0600, the async API is used where present,
 * a rotated key re-encrypts, and Linux's basic_text backend (a hard-coded password) is refused with a
 * message that says why and a hint that says what to do. Real files in a temp folder.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import { SafeStorageSecretStore } from '../../src/main/secrets/SafeStorageSecretStore.js';
import { fakeSafeStorage } from './support/fakeSafeStorage.js';

const SECRET = 'test-only-not-a-real-secret-0001';

describe('SafeStorageSecretStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bsync-safe-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through the async API, stores only ciphertext, 0600', async () => {
    const safe = fakeSafeStorage();
    const store = new SafeStorageSecretStore({ safeStorage: safe, configDir: dir, platform: 'linux' });
    await store.set('catalog.key', SECRET);
    expect(await store.get('catalog.key')).toBe(SECRET);
    expect(await store.names()).toEqual(['catalog.key']);
    expect(safe.calls).toEqual(['encryptStringAsync', 'decryptStringAsync']);
    const text = await readFile(store.file, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).toMatch(/"catalog\.key": "safe:v1:gnome_libsecret:[A-Za-z0-9+/=]+"/);
    if (process.platform !== 'win32') expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    await store.delete('catalog.key');
    expect(await store.get('catalog.key')).toBeNull();
    expect(store.description).toMatch(/keyring .*secrets\.safe\.json/);
  });

  it('uses the sync API where the async one is missing (older Electron)', async () => {
    const safe = fakeSafeStorage({ async: false });
    const store = new SafeStorageSecretStore({ safeStorage: safe, configDir: dir, platform: 'darwin' });
    await store.set('objectStore.secretAccessKey', SECRET);
    expect(await store.get('objectStore.secretAccessKey')).toBe(SECRET);
    expect(safe.calls).toEqual(['encryptString', 'decryptString']);
  });

  it('re-encrypts a value whose key was rotated', async () => {
    const safe = fakeSafeStorage();
    const store = new SafeStorageSecretStore({ safeStorage: safe, configDir: dir, platform: 'linux' });
    await store.set('catalog.key', SECRET);
    const first = await readFile(store.file, 'utf8');
    safe.rotateOnNextDecrypt = true;
    expect(await store.get('catalog.key')).toBe(SECRET);
    expect(safe.calls.filter((c) => c === 'encryptStringAsync')).toHaveLength(2);
    expect(await readFile(store.file, 'utf8')).not.toBe(first);
  });

  it('refuses to store with Linux basic_text, saying why and what to do', async () => {
    const safe = fakeSafeStorage({ backend: 'basic_text' });
    const store = new SafeStorageSecretStore({ safeStorage: safe, configDir: dir, platform: 'linux' });
    const err = await store.set('catalog.key', SECRET).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    const e = err as SyncError;
    expect(e.category).toBe('configuration');
    expect(e.code).toBe('safe-storage-insecure');
    expect(e.message).toMatch(/basic_text.*fixed password|fixed password.*basic_text/);
    expect(e.hint).toMatch(/keyring/i);
    expect(e.hint).toMatch(/environment variables/);
    expect(e.message + e.hint).not.toContain(SECRET);
    expect(safe.calls).toEqual([]); // nothing was even encrypted
    await expect(stat(store.file)).rejects.toThrow(); // and nothing written
  });

  it('refuses when encryption is not available at all; basic_text only matters on Linux', async () => {
    const safe = fakeSafeStorage({ backend: 'basic_text' });
    safe.available = false;
    const mac = new SafeStorageSecretStore({ safeStorage: safe, configDir: dir, platform: 'darwin' });
    await expect(mac.set('catalog.key', SECRET)).rejects.toMatchObject({ code: 'safe-storage-unavailable' });
    safe.available = true;
    await mac.set('catalog.key', SECRET);
    expect(await mac.get('catalog.key')).toBe(SECRET);
  });

  it("a value another key encrypted can't be read, and the error says so without the value", async () => {
    const a = new SafeStorageSecretStore({
      safeStorage: fakeSafeStorage(),
      configDir: dir,
      platform: 'linux',
    });
    await a.set('catalog.key', SECRET);
    const b = new SafeStorageSecretStore({
      safeStorage: fakeSafeStorage({ backend: 'kwallet6' }),
      configDir: dir,
      platform: 'linux',
    });
    const err = (await b.get('catalog.key').catch((e: unknown) => e)) as SyncError;
    expect(err.code).toBe('safe-storage-unreadable');
    expect(err.message).toMatch(/encrypted with gnome_libsecret, and this session uses kwallet6/);
  });
});
