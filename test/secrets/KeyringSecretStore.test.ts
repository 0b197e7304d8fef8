/**
 * The keychain store. The contract runs only where a keychain really answers (a desktop session); on
 * machines without one (these build machines: no Secret Service on a D-Bus) it is skipped with the
 * keychain's own words, and what is checked instead is how its failure reaches the user.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import { KeyringSecretStore, probeKeychain } from '../../src/core/secrets/KeyringSecretStore.js';
import { runSecretStoreContract } from './secretStoreContract.js';

// Throwaway services, so a run on a developer's desktop never touches their real `bilancio-sync` entries.
const testService = (space: string) => `bilancio-sync-test-${space}`;
const probe = await probeKeychain({ service: testService('probe') });
const unavailable = probe.ok ? undefined : `no system keychain here (${probe.error})`;

runSecretStoreContract(
  'KeyringSecretStore',
  (space) => new KeyringSecretStore({ service: testService(space) }),
  {
    skip: unavailable,
  },
);

describe('KeyringSecretStore when no keychain answers', () => {
  it.skipIf(probe.ok)('says which keychain failed and what to do, and never shows the secret', async () => {
    const store = new KeyringSecretStore({ service: testService(randomBytes(4).toString('hex')) });
    expect(store.kind).toBe('keychain');
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    for (const attempt of [
      () => store.set('objectStore.secretAccessKey', secret),
      () => store.get('objectStore.secretAccessKey'),
      () => store.delete('objectStore.secretAccessKey'),
      () => store.names(),
    ]) {
      const e = await attempt().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(SyncError);
      const err = e as SyncError;
      expect(err.category).toBe('configuration');
      expect(err.code).toBe('keychain-unavailable');
      expect(err.message).toContain(store.description);
      expect(err.message).toContain(probe.ok ? '' : probe.error);
      expect(err.hint).toMatch(/unlock the keychain/i);
      expect([err.message, err.hint, inspect(err, { depth: 10 })].join('\n')).not.toContain(secret);
    }
  });

  it.skipIf(probe.ok)('the probe reports the failure instead of throwing', () => {
    expect(probe.ok).toBe(false);
    if (!probe.ok) expect(probe.error.length).toBeGreaterThan(0);
  });
});

describe('KeyringSecretStore descriptions', () => {
  it('names the keychain in plain words', () => {
    const expected =
      process.platform === 'darwin'
        ? 'the macOS Keychain'
        : process.platform === 'win32'
          ? 'the Windows Credential Manager'
          : 'the system keychain (Secret Service)';
    expect(new KeyringSecretStore().description).toBe(expected);
  });
});
