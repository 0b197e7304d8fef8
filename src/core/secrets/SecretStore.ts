/**
 * Where secrets (access keys, the Supabase key, a Postgres URL with its password) are kept, apart from
 * config.json. One seam, three homes: the OS keychain, a file only the user can read (servers, HPC nodes,
 * containers without a keychain) and, in the desktop app, Electron's safeStorage. The engine and the
 * shells only ever see this interface, and it never hands a value to anything but its caller.
 */
import { SyncError } from '../model/errors.js';

export type SecretStoreKind = 'keychain' | 'file' | 'safe-storage';

export interface SecretStore {
  readonly kind: SecretStoreKind;
  /**
   * Where the secrets are, in plain words a person can check, e.g. "the system keychain (Secret Service)"
   * or "the file /home/u/.config/bilancio-sync/secrets.json, readable only by you".
   */
  readonly description: string;
  /** The secret stored under this setting key (e.g. `objectStore.secretAccessKey`), or null if none. */
  get(name: string): Promise<string | null>;
  /** Stores or replaces a secret. An empty value is refused: use `delete` to remove one. */
  set(name: string, value: string): Promise<void>;
  /** Removes a secret; removing one that isn't there is fine. */
  delete(name: string): Promise<void>;
  /** The names (never the values) of the secrets stored, sorted. */
  names(): Promise<string[]>;
}

/**
 * Secret names are setting keys (`objectStore.secretAccessKey`, `catalog.key`, …): letters, digits and
 * `.`, `_`, `-`, `:`, starting with a letter, digit or `_`. Keeping them this plain keeps every backend's
 * naming rules happy, and leaves names starting with another character free for a store's own entries.
 */
const SECRET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;

/** Throws a usage SyncError unless `name` can name a secret. The name is not repeated (it may be a slip). */
export function assertSecretName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new SyncError(
      'usage',
      'A secret needs a name, and the name given is empty.',
      {
        text: 'Name the secret by its setting, e.g. objectStore.secretAccessKey.',
      },
      { code: 'secret-name-invalid' },
    );
  }
  if (!SECRET_NAME.test(name)) {
    throw new SyncError(
      'usage',
      'That is not a valid name for a secret.',
      {
        text:
          'Name the secret by its setting, e.g. objectStore.secretAccessKey: letters, digits, ".", "_", "-" ' +
          'and ":", at most 128 characters.',
      },
      { code: 'secret-name-invalid' },
    );
  }
}

/** Throws a usage SyncError unless `value` is a non-empty string. Never repeats the value. */
export function assertSecretValue(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new SyncError(
      'usage',
      `The secret ${name} was given no value.`,
      {
        text: 'Give the secret a value, or delete it to remove it.',
      },
      { code: 'secret-value-empty' },
    );
  }
}
