/**
 * What every SecretStore must do, as one suite each implementation runs against real storage. A store is
 * made for a "space" (a fresh temp folder, a throwaway keychain service…): two stores made for the same
 * space see the same secrets, which is how "survives reopening" is checked.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import type { SecretStore } from '../../src/core/secrets/SecretStore.js';

export interface SecretStoreContractOptions {
  /** Why this implementation can't be tried here (an environment fact), or undefined to run it. */
  skip?: string | undefined;
  /** Removes whatever a space left behind (besides its secrets, which the suite deletes itself). */
  cleanup?: (space: string) => Promise<void>;
}

export function runSecretStoreContract(
  name: string,
  makeStore: (space: string) => SecretStore | Promise<SecretStore>,
  options: SecretStoreContractOptions = {},
): void {
  const skip = options.skip !== undefined;
  const title = skip ? `${name} — SKIPPED: ${options.skip}` : name;
  if (skip) console.info(`[secret store contract] ${name} skipped: ${options.skip}`);

  describe(title, () => {
    const spaces: string[] = [];
    const fresh = async (): Promise<{ space: string; store: SecretStore }> => {
      const space = `c${randomBytes(5).toString('hex')}`;
      spaces.push(space);
      return { space, store: await makeStore(space) };
    };

    afterEach(async () => {
      for (const space of spaces.splice(0)) {
        const store = await makeStore(space);
        for (const n of await store.names()) await store.delete(n);
        await options.cleanup?.(space);
      }
    });

    it.skipIf(skip)('gives null for a secret never set', async () => {
      const { store } = await fresh();
      expect(await store.get('objectStore.secretAccessKey')).toBeNull();
      expect(await store.names()).toEqual([]);
    });

    it.skipIf(skip)('gives back exactly what was set, unicode and 4 KB values included', async () => {
      const { store } = await fresh();
      const unicode = 'pässwörd ✓ 密码 🔑 \u00a0tab\there "quotes" \\ back';
      const big = randomBytes(3072).toString('base64'); // 4096 characters
      expect(big).toHaveLength(4096);
      await store.set('objectStore.accessKeyId', 'AKIAEXAMPLE');
      await store.set('objectStore.secretAccessKey', unicode);
      await store.set('catalog.key', big);
      expect(await store.get('objectStore.accessKeyId')).toBe('AKIAEXAMPLE');
      expect(await store.get('objectStore.secretAccessKey')).toBe(unicode);
      expect(await store.get('catalog.key')).toBe(big);
    });

    it.skipIf(skip)('replaces a secret that is set again', async () => {
      const { store } = await fresh();
      await store.set('catalog.url', 'postgres://u:old@h/db');
      await store.set('catalog.url', 'postgres://u:new@h/db');
      expect(await store.get('catalog.url')).toBe('postgres://u:new@h/db');
      expect(await store.names()).toEqual(['catalog.url']);
    });

    it.skipIf(skip)('deletes a secret, and deleting one that is not there is fine', async () => {
      const { store } = await fresh();
      await store.set('catalog.key', 'k1');
      await store.set('catalog.url', 'u1');
      await store.delete('catalog.key');
      expect(await store.get('catalog.key')).toBeNull();
      expect(await store.get('catalog.url')).toBe('u1');
      await store.delete('catalog.key');
      await store.delete('objectStore.secretAccessKey');
      expect(await store.names()).toEqual(['catalog.url']);
    });

    it.skipIf(skip)('lists the names of the stored secrets, sorted, and never their values', async () => {
      const { store } = await fresh();
      await store.set('objectStore.secretAccessKey', 'value-one');
      await store.set('catalog.key', 'value-two');
      await store.set('objectStore.accessKeyId', 'value-three');
      const names = await store.names();
      expect(names).toEqual(['catalog.key', 'objectStore.accessKeyId', 'objectStore.secretAccessKey']);
      expect(names.join(' ')).not.toMatch(/value-/);
    });

    it.skipIf(skip)('keeps secrets for a fresh instance (a restart)', async () => {
      const { space, store } = await fresh();
      await store.set('objectStore.secretAccessKey', 's3cr3t');
      await store.set('catalog.key', 'temporary');
      await store.delete('catalog.key');
      const reopened = await makeStore(space);
      expect(await reopened.get('objectStore.secretAccessKey')).toBe('s3cr3t');
      expect(await reopened.get('catalog.key')).toBeNull();
      expect(await reopened.names()).toEqual(['objectStore.secretAccessKey']);
    });

    it.skipIf(skip)('loses none of many secrets set at once', async () => {
      const { space, store } = await fresh();
      const names = Array.from({ length: 12 }, (_, i) => `test.secret${String(i).padStart(2, '0')}`);
      await Promise.all(names.map((n) => store.set(n, `value of ${n}`)));
      const reopened = await makeStore(space);
      expect(await reopened.names()).toEqual(names);
      for (const n of names) expect(await reopened.get(n)).toBe(`value of ${n}`);
    });

    it.skipIf(skip)('refuses an empty or malformed name, and an empty value, as usage errors', async () => {
      const { store } = await fresh();
      const usage = async (p: Promise<unknown>, code: string) => {
        const e = await p.then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(SyncError);
        expect((e as SyncError).category).toBe('usage');
        expect((e as SyncError).code).toBe(code);
        expect((e as SyncError).hint).toBeTruthy();
      };
      await usage(store.set('', 'value'), 'secret-name-invalid');
      await usage(store.get(''), 'secret-name-invalid');
      await usage(store.delete(''), 'secret-name-invalid');
      await usage(store.set('has space', 'value'), 'secret-name-invalid');
      await usage(store.set('catalog.key', ''), 'secret-value-empty');
      expect(await store.names()).toEqual([]);
    });
  });
}
