/**
 * Secrets encrypted with Electron's safeStorage (macOS Keychain, Windows DPAPI, on Linux the desktop's
 * keyring through libsecret or KWallet), the ciphertext kept in `<config folder>/secrets.safe.json` (mode
 * 0600, written atomically: the FileSecretStore format, each value `safe:v1:<backend>:<base64>`).
 * Decryption happens only when a value is asked for (by the service process, over its private port).
 *
 * Linux `basic_text` is refused: Chromium then encrypts with a hard-coded password, i.e. the file would be
 * as readable as plain text while looking protected. The guard is on the backend's name, not on
 * isEncryptionAvailable() (which is true for basic_text). The async API (encryptStringAsync /
 * decryptStringAsync, with `shouldReEncrypt` after a key rotation) is used where Electron has it.
 *
 * safeStorage is injected (usable only after app `ready`), so this module runs, and is tested, in Node.
 * Values and ciphertexts are never logged, and errors never quote them.
 */

import { join } from 'node:path';
import { SyncError } from '../../core/model/errors.js';
import { FileSecretStore } from '../../core/secrets/FileSecretStore.js';
import { assertSecretName, assertSecretValue, type SecretStore } from '../../core/secrets/SecretStore.js';

export const SAFE_SECRETS_FILE = 'secrets.safe.json';

export type LinuxBackend = 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';

/** The part of Electron's `safeStorage` used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  isAsyncEncryptionAvailable?(): Promise<boolean>;
  encryptStringAsync?(plainText: string): Promise<Buffer>;
  decryptStringAsync?(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  getSelectedStorageBackend?(): LinuxBackend;
}

export interface SafeStorageSecretStoreOptions {
  safeStorage: SafeStorageLike;
  configDir: string;
  platform?: NodeJS.Platform;
}

const PREFIX = 'safe:v1:';

/** The variables that set each secret instead (the desktop shell's wording). */
const SECRET_VARIABLES = 'R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, SUPABASE_KEY, BILANCIO_DATABASE_URL';

export class SafeStorageSecretStore implements SecretStore {
  readonly kind = 'safe-storage' as const;
  readonly description: string;
  readonly file: string;
  private readonly vault: FileSecretStore;
  private readonly safe: SafeStorageLike;
  private readonly platform: NodeJS.Platform;

  constructor(options: SafeStorageSecretStoreOptions) {
    this.safe = options.safeStorage;
    this.platform = options.platform ?? process.platform;
    this.file = join(options.configDir, SAFE_SECRETS_FILE);
    this.vault = new FileSecretStore({ file: this.file });
    this.description = `${describeProtection(this.platform, this.backend())}, stored in ${this.file}`;
  }

  /** The Linux backend in use (`null` elsewhere). */
  backend(): LinuxBackend | null {
    if (this.platform !== 'linux') return null;
    return this.safe.getSelectedStorageBackend?.() ?? 'unknown';
  }

  async get(name: string): Promise<string | null> {
    assertSecretName(name);
    const stored = await this.vault.get(name);
    if (stored === null) return null;
    if (!stored.startsWith(PREFIX))
      throw unreadable(name, this.file, 'it is not in the format this app writes');
    const rest = stored.slice(PREFIX.length);
    const colon = rest.indexOf(':');
    const backend = colon >= 0 ? rest.slice(0, colon) : '';
    const cipher = Buffer.from(colon >= 0 ? rest.slice(colon + 1) : rest, 'base64');
    let plain: string;
    let reEncrypt = false;
    try {
      if (this.safe.decryptStringAsync) {
        const r = await this.safe.decryptStringAsync(cipher);
        plain = r.result;
        reEncrypt = r.shouldReEncrypt;
      } else {
        plain = this.safe.decryptString(cipher);
      }
    } catch {
      // Electron's message may name the keyring; it never holds the value. Don't pass it on regardless.
      const now = this.backend();
      throw unreadable(
        name,
        this.file,
        backend && now && backend !== now && backend !== '-'
          ? `it was encrypted with ${backend}, and this session uses ${now}`
          : 'the keychain did not decrypt it (locked, or another user account or machine)',
      );
    }
    // A rotated key: store it again under the new one (best effort: the value read is right either way).
    if (reEncrypt) await this.set(name, plain).catch(() => undefined);
    return plain;
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    assertSecretValue(name, value);
    await this.assertProtected();
    const cipher = this.safe.encryptStringAsync
      ? await this.safe.encryptStringAsync(value)
      : this.safe.encryptString(value);
    await this.vault.set(name, `${PREFIX}${this.backend() ?? '-'}:${Buffer.from(cipher).toString('base64')}`);
  }

  delete(name: string): Promise<void> {
    return this.vault.delete(name);
  }

  names(): Promise<string[]> {
    return this.vault.names();
  }

  /** Refuses to store a secret where safeStorage would not really protect it. */
  async assertProtected(): Promise<void> {
    const backend = this.backend();
    if (backend === 'basic_text' || backend === 'unknown') {
      throw new SyncError(
        'configuration',
        backend === 'basic_text'
          ? 'Secrets are not saved: no keyring answers on this desktop, so Electron would encrypt them with a ' +
              'fixed password built into every copy of Electron (its "basic_text" store) — anyone who can read ' +
              'the file could read them.'
          : 'Secrets are not saved: the system keyring is not ready yet.',
        {
          text:
            'Install and unlock a keyring (GNOME Keyring or KWallet, e.g. the gnome-keyring package, then log ' +
            `out and in again), or set the secrets as environment variables (${SECRET_VARIABLES}) before ` +
            'starting Bilancio Sync.',
        },
        { code: 'safe-storage-insecure' },
      );
    }
    const available = this.safe.isAsyncEncryptionAvailable
      ? await this.safe.isAsyncEncryptionAvailable()
      : this.safe.isEncryptionAvailable();
    if (!available) {
      throw new SyncError(
        'configuration',
        'Secrets are not saved: the system keychain is not available to Bilancio Sync.',
        {
          text:
            'Unlock the keychain (on Linux: install and unlock GNOME Keyring or KWallet), or set the secrets as ' +
            `environment variables (${SECRET_VARIABLES}) before starting Bilancio Sync.`,
        },
        { code: 'safe-storage-unavailable' },
      );
    }
  }
}

function describeProtection(platform: NodeJS.Platform, backend: LinuxBackend | null): string {
  if (platform === 'darwin') return 'encrypted with a key in the macOS Keychain';
  if (platform === 'win32') return 'encrypted with your Windows account (DPAPI)';
  if (backend === 'gnome_libsecret') return 'encrypted with a key in your keyring (Secret Service)';
  if (backend?.startsWith('kwallet')) return 'encrypted with a key in KWallet';
  return 'encrypted with Electron safeStorage';
}

function unreadable(name: string, file: string, why: string): SyncError {
  return new SyncError(
    'configuration',
    `The secret ${name} in ${file} can't be read: ${why}.`,
    { text: 'Unlock your keychain and start Bilancio Sync again, or enter the secret again in Settings.' },
    { code: 'safe-storage-unreadable' },
  );
}
