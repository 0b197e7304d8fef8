/**
 * The service process's SecretStore: every operation is asked of the main process over the service port
 * (protocol.ts `secret`), where SafeStorageSecretStore encrypts with Electron's safeStorage — which exists
 * only in the main process — and keeps the ciphertext in the config folder. A value read is decrypted in
 * main and handed to this process alone (the one that needs it to talk to the store and the catalog);
 * nothing here logs it, and the renderer never sees it (settings views carry no secret values).
 */
import type { SecretStore } from '../../core/secrets/SecretStore.js';
import { assertSecretName, assertSecretValue } from '../../core/secrets/SecretStore.js';
import type { SecretRequester } from './serviceHost.js';

export class PortSecretStore implements SecretStore {
  readonly kind = 'safe-storage' as const;

  constructor(
    private readonly request: SecretRequester,
    readonly description: string,
  ) {}

  async get(name: string): Promise<string | null> {
    assertSecretName(name);
    const v = await this.request('get', name);
    return typeof v === 'string' ? v : null;
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    assertSecretValue(name, value);
    await this.request('set', name, value);
  }

  async delete(name: string): Promise<void> {
    assertSecretName(name);
    await this.request('delete', name);
  }

  async names(): Promise<string[]> {
    const v = await this.request('names');
    return Array.isArray(v) ? v : [];
  }
}

/**
 * Secrets saved before the desktop app (by the CLI or the browser mode, in the keychain or the 0600 file
 * config.json names) stay readable: reads fall back to that store, writes go to safeStorage, and a delete
 * clears both (so a removed secret can't come back from the older store).
 */
export class LayeredSecretStore implements SecretStore {
  readonly kind: SecretStore['kind'];
  readonly description: string;

  constructor(
    private readonly primary: SecretStore,
    private readonly older: SecretStore | null,
  ) {
    this.kind = primary.kind;
    this.description = older
      ? `${primary.description} (secrets saved earlier are still read from ${older.description})`
      : primary.description;
  }

  async get(name: string): Promise<string | null> {
    const v = await this.primary.get(name);
    if (v !== null || !this.older) return v;
    return this.older.get(name).catch(() => null);
  }

  set(name: string, value: string): Promise<void> {
    return this.primary.set(name, value);
  }

  async delete(name: string): Promise<void> {
    await this.primary.delete(name);
    await this.older?.delete(name).catch(() => undefined);
  }

  async names(): Promise<string[]> {
    const own = await this.primary.names();
    const older = this.older ? await this.older.names().catch(() => []) : [];
    return [...new Set([...own, ...older])].sort();
  }
}
