/**
 * Picks where the CLI and the browser mode keep secrets (the desktop app uses safeStorage instead): the
 * system keychain when one really answers, else a file readable only by the user — and says which, and
 * why, in words the user can act on. `BILANCIO_SYNC_SECRETS=file|keychain` forces one.
 */
import { lstat } from 'node:fs/promises';
import { SyncError } from '../model/errors.js';
import { FileSecretStore, secretsFilePath } from './FileSecretStore.js';
import {
  type KeychainProbe,
  KeyringSecretStore,
  type KeyringSecretStoreOptions,
  probeKeychain,
} from './KeyringSecretStore.js';
import type { SecretStore } from './SecretStore.js';

export const SECRETS_ENV = 'BILANCIO_SYNC_SECRETS';

export interface OpenHeadlessSecretStoreOptions {
  /** The config folder; the file store lives at `<configDir>/secrets.json`. */
  configDir: string;
  /** Use the keychain when it works (default). False: always the file. */
  preferKeychain?: boolean;
  /** How to try the keychain; default: a real write/read/delete of a probe entry (`probeKeychain`). */
  probe?: () => Promise<KeychainProbe>;
  /** Where `BILANCIO_SYNC_SECRETS` is read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Passed to the keychain store and the default probe (tests use a throwaway service). */
  keychain?: KeyringSecretStoreOptions;
}

export interface HeadlessSecretStore {
  store: SecretStore;
  /** Which store, and why, in one plain sentence (for `status` and the log). */
  reason: string;
}

/**
 * The choice, in order:
 * 1. `BILANCIO_SYNC_SECRETS=file` → the file; `=keychain` → the keychain, or a configuration error if it
 *    doesn't answer (never a silent fallback when the user asked for the keychain).
 * 2. `preferKeychain: false` → the file.
 * 3. A secrets file already exists → the file, without asking the keychain. Otherwise secrets saved on a
 *    day without a keychain (an SSH session, a locked desktop) would seem to vanish on the day one appears.
 * 4. The keychain answers the probe → the keychain; else the file, with the keychain's failure in the reason.
 */
export async function openHeadlessSecretStore(
  options: OpenHeadlessSecretStoreOptions,
): Promise<HeadlessSecretStore> {
  const env = options.env ?? process.env;
  const probe = options.probe ?? (() => probeKeychain(options.keychain));
  const file = new FileSecretStore({ file: secretsFilePath(options.configDir) });
  const keychain = () => new KeyringSecretStore(options.keychain);

  const forced = (env[SECRETS_ENV] ?? '').trim().toLowerCase();
  if (forced === 'file') {
    return { store: file, reason: `secrets are kept in ${file.description}, as ${SECRETS_ENV}=file asks` };
  }
  if (forced === 'keychain') {
    const result = await probe();
    const store = keychain();
    if (!result.ok) {
      throw new SyncError(
        'configuration',
        `${SECRETS_ENV}=keychain asks for ${store.description}, but it can't be reached (${result.error}).`,
        {
          text:
            'Unlock the keychain, or start one (on Linux a Secret Service such as GNOME Keyring or KWallet on ' +
            "the session's D-Bus), or let secrets be kept in a file readable only by you.",
        },
        { code: 'keychain-unavailable' },
      );
    }
    return { store, reason: `secrets are kept in ${store.description}, as ${SECRETS_ENV}=keychain asks` };
  }
  if (forced !== '') {
    throw new SyncError(
      'configuration',
      `${SECRETS_ENV} is "${forced}", which is neither "file" nor "keychain".`,
      { text: 'Set it to file or keychain, or unset it to let Bilancio Sync choose.' },
      { code: 'secrets-choice-invalid' },
    );
  }

  if (options.preferKeychain === false) {
    return { store: file, reason: `secrets are kept in ${file.description}` };
  }
  if (await exists(file.file)) {
    return {
      store: file,
      reason:
        `secrets are kept in ${file.description}, where they were saved before ` +
        '(the keychain is not used while that file exists)',
    };
  }
  const result = await probe();
  if (result.ok) {
    const store = keychain();
    return { store, reason: `secrets are kept in ${store.description}` };
  }
  return {
    store: file,
    reason: `no system keychain reachable (${result.error}): secrets are kept in ${file.description}`,
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
