/**
 * Secrets in the OS keychain (macOS Keychain, Windows Credential Manager, a Secret Service such as GNOME
 * Keyring or KWallet on Linux) through @napi-rs/keyring, for the CLI and the browser mode, which have no
 * Electron safeStorage. Plain Node: it never imports electron.
 *
 * Each secret is one entry: service `bilancio-sync`, account = the setting key. The async entries run
 * off the event loop, so a keychain waiting on an unlock prompt never freezes the caller.
 */
import type { AsyncEntry, EntryOptions } from '@napi-rs/keyring';
import { SyncError } from '../model/errors.js';
import { assertSecretName, assertSecretValue, type SecretStore } from './SecretStore.js';

export const KEYRING_SERVICE = 'bilancio-sync';

/** The native keychain module, loaded on the first keychain call: most commands read no secret there. */
let keyring: Promise<typeof import('@napi-rs/keyring')> | undefined;
const loadKeyring = () => {
  keyring ??= import('@napi-rs/keyring');
  return keyring;
};

/**
 * On Linux, which store to use. `secret-service` (the default) requires a Secret Service on the session's
 * D-Bus. Not `auto`: the library's automatic choice silently falls back to the kernel keyring (keyutils),
 * which is in memory only and forgets every secret at reboot — a probe would pass and the secrets would
 * vanish later. `keyutils` and `auto` exist for callers that want exactly that.
 */
export type LinuxKeyringStore = 'secret-service' | 'keyutils' | 'auto';

export interface KeyringSecretStoreOptions {
  /** Keychain service name; default `bilancio-sync`. Tests use a throwaway one. */
  service?: string;
  linuxStore?: LinuxKeyringStore;
}

/**
 * The list of names. A keychain can't be asked "which entries of this service exist" everywhere
 * (findCredentials needs the Secret Service's search, and the kernel keyring has none), so the names are
 * kept in one more entry of the same service, under this account (a name no secret can have: secret
 * names start with a letter, digit or `_`). Kept in the keychain rather than in a file next to the
 * config because then the list lives and dies with the secrets: clearing the keychain clears the list,
 * a second config folder doesn't show names whose values it can't see, and there is no second file to
 * keep in step. The list holds names only, as JSON `{"version":1,"names":[…]}`, and is removed when empty.
 *
 * Order of writes: `set` adds the name before writing the value, `delete` removes the value before the
 * name, so a crash in between can leave a listed name with no value (get → null) but never a stored
 * secret that names() doesn't show.
 */
const INDEX_ACCOUNT = '@names';
const INDEX_LABEL = 'the list of stored secrets';

export function describeKeychain(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'the macOS Keychain';
  if (platform === 'win32') return 'the Windows Credential Manager';
  return 'the system keychain (Secret Service)';
}

export class KeyringSecretStore implements SecretStore {
  readonly kind = 'keychain' as const;
  readonly description: string;
  private readonly service: string;
  private readonly entryOptions: EntryOptions | undefined;
  /** Serialises this instance's updates of the names list (read-modify-write). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: KeyringSecretStoreOptions = {}) {
    this.service = options.service ?? KEYRING_SERVICE;
    const linuxStore = options.linuxStore ?? 'secret-service';
    this.entryOptions = linuxStore === 'auto' ? undefined : { linux: { store: linuxStore } };
    this.description =
      process.platform === 'linux' && linuxStore === 'keyutils'
        ? "the kernel keyring (kept in memory only: it's emptied at reboot)"
        : describeKeychain();
  }

  async get(name: string): Promise<string | null> {
    assertSecretName(name);
    return this.call('read', name, `the secret ${name}`, (e) => e.getPassword());
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    assertSecretValue(name, value);
    await this.serialised(async () => {
      const names = await this.readIndex();
      if (!names.includes(name)) await this.writeIndex([...names, name]);
      await this.call('write', name, `the secret ${name}`, (e) => e.setPassword(value), value);
    });
  }

  async delete(name: string): Promise<void> {
    assertSecretName(name);
    await this.serialised(async () => {
      await this.call('delete', name, `the secret ${name}`, (e) => e.deletePassword());
      const names = await this.readIndex();
      if (names.includes(name)) await this.writeIndex(names.filter((n) => n !== name));
    });
  }

  async names(): Promise<string[]> {
    return [...(await this.readIndex())].sort();
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readIndex(): Promise<string[]> {
    const raw = await this.call('read', INDEX_ACCOUNT, INDEX_LABEL, (e) => e.getPassword());
    if (raw === null) return [];
    try {
      const parsed = JSON.parse(raw) as { names?: unknown };
      if (Array.isArray(parsed.names)) return parsed.names.filter((n): n is string => typeof n === 'string');
    } catch {
      // fall through: a list we can't read is rebuilt by the next set()
    }
    return [];
  }

  private async writeIndex(names: string[]): Promise<void> {
    const sorted = [...new Set(names)].sort();
    if (sorted.length === 0) {
      await this.call('delete', INDEX_ACCOUNT, INDEX_LABEL, (e) => e.deletePassword());
    } else {
      const json = JSON.stringify({ version: 1, names: sorted });
      await this.call('write', INDEX_ACCOUNT, INDEX_LABEL, (e) => e.setPassword(json));
    }
  }

  /** Runs one keychain call, turning the platform's errors into SyncErrors that never carry `value`. */
  private async call<T>(
    verb: 'read' | 'write' | 'delete',
    account: string,
    label: string,
    fn: (entry: AsyncEntry) => Promise<T>,
    value?: string,
  ): Promise<T> {
    try {
      // The constructor itself throws when a required store (Linux: the Secret Service) is unreachable.
      const entry = new (await loadKeyring()).AsyncEntry(this.service, account, this.entryOptions);
      return await fn(entry);
    } catch (e) {
      throw keyringError(verb, label, this.description, this.service, e, value);
    }
  }
}

/** The platform's own words for a failure, first line only, with `value` (if any) blanked out. */
export function platformMessage(e: unknown, value?: string): string {
  const raw = e instanceof Error ? e.message : String(e);
  let line = raw.split('\n')[0]!.trim();
  if (value) line = line.split(value).join('…');
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function keyringError(
  verb: 'read' | 'write' | 'delete',
  what: string,
  where: string,
  service: string,
  e: unknown,
  value: string | undefined,
): SyncError {
  const detail = platformMessage(e, value);
  const message = `Could not ${verb} ${what} in ${where}: ${detail}`;
  if (/longer than platform limit|too long/i.test(detail)) {
    return new SyncError(
      'configuration',
      message,
      {
        text: 'This secret is longer than the keychain accepts; keep secrets in a file readable only by you instead.',
      },
      { code: 'keychain-value-too-long' },
    );
  }
  if (/ambiguous/i.test(detail)) {
    return new SyncError(
      'configuration',
      message,
      {
        text: `The keychain holds more than one matching entry for service ${service}; remove the extra ones with the keychain's own tool.`,
      },
      { code: 'keychain-ambiguous' },
    );
  }
  return new SyncError(
    'configuration',
    message,
    {
      text:
        'Unlock the keychain, or start one (on Linux a Secret Service such as GNOME Keyring or KWallet on ' +
        "the session's D-Bus), or keep secrets in a file readable only by you.",
    },
    { code: 'keychain-unavailable' },
  );
}

export type KeychainProbe = { ok: true } | { ok: false; error: string };

/**
 * Tries the keychain for real: writes, reads back and deletes a probe entry under a throwaway account of
 * the service. Never throws. A keychain that doesn't answer within `timeoutMs` counts as unreachable.
 */
export async function probeKeychain(
  options: KeyringSecretStoreOptions & { timeoutMs?: number } = {},
): Promise<KeychainProbe> {
  const service = options.service ?? KEYRING_SERVICE;
  const linuxStore = options.linuxStore ?? 'secret-service';
  const entryOptions: EntryOptions | undefined =
    linuxStore === 'auto' ? undefined : { linux: { store: linuxStore } };
  const account = `@probe-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const probeValue = `probe-${Date.now()}`;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 15_000);
  let entry: AsyncEntry | undefined;
  try {
    entry = new (await loadKeyring()).AsyncEntry(service, account, entryOptions);
    await entry.setPassword(probeValue, signal);
    const back = await entry.getPassword(signal);
    if (back !== probeValue) return { ok: false, error: 'the keychain did not give back what was written' };
    await entry.deletePassword(signal);
    entry = undefined;
    return { ok: true };
  } catch (e) {
    if (signal.aborted) return { ok: false, error: 'the keychain did not answer in time' };
    return { ok: false, error: platformMessage(e) };
  } finally {
    // Best effort, not awaited: don't leave the probe entry behind if the read failed after the write
    // worked. Skipped after a timeout, when the keychain isn't answering anyway.
    if (entry && !signal.aborted) entry.deletePassword().catch(() => undefined);
  }
}
