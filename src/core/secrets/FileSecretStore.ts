/**
 * Secrets in a JSON file only its owner can read (mode 0600), for machines with no keychain: servers, HPC
 * nodes, containers, SSH sessions without a D-Bus. The same protection as ~/.ssh/id_* or ~/.pgpass: the
 * file is as safe as the user account. It is never, not for a moment, readable by others: every write
 * goes to a new 0600 file in the same folder, is flushed to disk and renamed over the old one, so a crash
 * leaves either the old file or the new one, never half of one. An existing file that others may read is
 * refused, not repaired: something else loosened it, and the user should know.
 *
 * Format: `{"version": 1, "secrets": {"<setting key>": "<value>", …}}`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SyncError } from '../model/errors.js';
import { assertSecretName, assertSecretValue, type SecretStore } from './SecretStore.js';

export const SECRETS_FILE_NAME = 'secrets.json';
const FORMAT_VERSION = 1;
/** A temp file of a live process is left alone unless it is older than this (its pid may have been reused). */
const STALE_TEMP_MS = 60 * 60 * 1000;

export function secretsFilePath(configDir: string): string {
  return join(configDir, SECRETS_FILE_NAME);
}

export interface FileSecretStoreOptions {
  /** The secrets file, e.g. `secretsFilePath(configDir)`. */
  file: string;
}

/**
 * Updates of one file are serialised across every instance in this process (keyed by the resolved path),
 * so two concurrent set() calls never lose one another's secret. Other processes are not locked out: if
 * two processes update the file at the same moment, the last rename wins and the other's change is lost
 * (the file itself stays whole). Secrets change rarely, and by hand; a lock file isn't worth its failure modes.
 */
const fileQueues = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = fileQueues.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => undefined);
  fileQueues.set(key, tail);
  void tail.then(() => {
    if (fileQueues.get(key) === tail) fileQueues.delete(key);
  });
  return run;
}

const isWindows = process.platform === 'win32';

export class FileSecretStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly description: string;
  readonly file: string;
  private readonly key: string;
  private cleaned: Promise<void> | undefined;

  constructor(options: FileSecretStoreOptions) {
    this.file = options.file;
    this.key = resolve(options.file);
    this.description = isWindows
      ? `the file ${this.file}, protected by your user account's folder permissions`
      : `the file ${this.file}, readable only by you`;
  }

  async get(name: string): Promise<string | null> {
    assertSecretName(name);
    await this.cleanOnce();
    const secrets = await this.read();
    return Object.hasOwn(secrets, name) ? secrets[name]! : null;
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    assertSecretValue(name, value);
    await this.cleanOnce();
    await serialised(this.key, async () => {
      const secrets = await this.read();
      if (secrets[name] === value) return;
      secrets[name] = value;
      await this.write(secrets);
    });
  }

  async delete(name: string): Promise<void> {
    assertSecretName(name);
    await this.cleanOnce();
    await serialised(this.key, async () => {
      const secrets = await this.read();
      if (!Object.hasOwn(secrets, name)) return;
      delete secrets[name];
      await this.write(secrets);
    });
  }

  async names(): Promise<string[]> {
    await this.cleanOnce();
    return Object.keys(await this.read()).sort();
  }

  /** Reads the file, checking who may read it on the open handle itself (no window between check and read). */
  private async read(): Promise<Record<string, string>> {
    let text: string;
    try {
      const handle = await open(this.file, 'r');
      try {
        const st = await handle.stat();
        if (!st.isFile()) {
          throw new SyncError(
            'configuration',
            `The secrets file ${this.file} is not a regular file.`,
            {
              text: `Move it out of the way; Bilancio Sync will create a new one.`,
            },
            { code: 'secrets-file-invalid' },
          );
        }
        if (!isWindows && (st.mode & 0o077) !== 0) throw unsafeModeError(this.file, st.mode);
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (e) {
      if (e instanceof SyncError) throw e;
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Object.create(null);
      throw fsError('read', this.file, e);
    }
    return parseSecrets(text, this.file);
  }

  /** Atomic replace: new 0600 temp file in the same folder → write → fsync → rename → fsync the folder. */
  private async write(secrets: Record<string, string>): Promise<void> {
    const dir = dirname(this.file);
    const sorted = Object.fromEntries(
      Object.entries(secrets).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const body = `${JSON.stringify({ version: FORMAT_VERSION, secrets: sorted }, null, 2)}\n`;
    const temp = join(dir, `${basename(this.file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // 'wx': a new file, never an existing one (nor a symlink planted in its place); mode 0600 from birth.
      const handle = await open(temp, 'wx', 0o600);
      try {
        // The umask can only take bits away; set exactly 0600 in case it took the owner's too.
        if (!isWindows) await handle.chmod(0o600);
        await handle.writeFile(body, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await renameWithRetry(temp, this.file);
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      throw fsError('write', this.file, e);
    }
    await syncDir(dir);
  }

  /** On first use, removes temp files a crashed write left behind (they may hold secrets since deleted). */
  private cleanOnce(): Promise<void> {
    this.cleaned ??= serialised(this.key, () => removeStaleTemps(this.file));
    return this.cleaned;
  }
}

function parseSecrets(text: string, file: string): Record<string, string> {
  if (text.trim() === '') return Object.create(null);
  const corrupt = () =>
    // JSON.parse's own message quotes the text around the error, i.e. possibly a secret: never pass it on.
    new SyncError(
      'configuration',
      `The secrets file ${file} is not valid: it isn't the JSON Bilancio Sync writes.`,
      {
        text: `Fix the file by hand, or delete it and enter the secrets again.`,
      },
      { code: 'secrets-file-invalid' },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt();
  }
  if (typeof parsed !== 'object' || parsed === null) throw corrupt();
  const { version, secrets } = parsed as { version?: unknown; secrets?: unknown };
  if (typeof version === 'number' && version > FORMAT_VERSION) {
    throw new SyncError(
      'configuration',
      `The secrets file ${file} was written by a newer Bilancio Sync.`,
      {
        text: 'Update Bilancio Sync on this machine.',
      },
      { code: 'secrets-file-newer' },
    );
  }
  if (
    version !== FORMAT_VERSION ||
    typeof secrets !== 'object' ||
    secrets === null ||
    Array.isArray(secrets)
  ) {
    throw corrupt();
  }
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(secrets)) {
    if (typeof v !== 'string') throw corrupt();
    out[k] = v;
  }
  return out;
}

function shellQuote(path: string): string {
  return /^[A-Za-z0-9_./~+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function unsafeModeError(file: string, mode: number): SyncError {
  const perms = (mode & 0o777).toString(8).padStart(3, '0');
  const who = (mode & 0o044) !== 0 ? 'read' : 'change';
  return new SyncError(
    'configuration',
    `The secrets file ${file} lets other users ${who} it (mode ${perms}), so it is not used.`,
    {
      text: `Make it readable only by you: chmod 600 ${shellQuote(file)} — and change any secret others may have seen.`,
    },
    { code: 'secrets-file-unsafe' },
  );
}

function fsError(verb: 'read' | 'write', file: string, e: unknown): SyncError {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? 'unknown';
  // The system's message names paths and an errno, never file contents.
  const detail = err.code ? `${err.code}` : e instanceof Error ? e.message : String(e);
  const userFixable = ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EISDIR'].includes(code);
  return new SyncError(
    userFixable ? 'configuration' : 'internal',
    `Could not ${verb} the secrets file ${file} (${detail}).`,
    {
      text:
        code === 'ENOSPC' || code === 'EDQUOT'
          ? 'Free some disk space, then try again.'
          : `Check that you own ${dirname(file)} and may write to it.`,
    },
    { code: `secrets-file-${verb}-failed`, cause: e },
  );
}

async function renameWithRetry(from: string, to: string): Promise<void> {
  // Windows refuses to replace a file another program (an indexer, an antivirus) holds open for a moment.
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (!isWindows || attempt >= 5 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw e;
      await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
}

/** Makes the rename itself durable. Folders can't be fsync'ed on Windows; elsewhere it is best effort. */
async function syncDir(dir: string): Promise<void> {
  if (isWindows) return;
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // some file systems refuse fsync on a directory; the data itself is already on disk
  }
}

async function removeStaleTemps(file: string): Promise<void> {
  const dir = dirname(file);
  const prefix = `${basename(file)}.`;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix) || !entry.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(entry.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    const path = join(dir, entry);
    // This process's writes run in the same queue as this cleanup, so a temp of our own pid is a leftover.
    let stale = pid === process.pid || !processAlive(pid);
    if (!stale) {
      const st = await stat(path).catch(() => null);
      stale = st !== null && Date.now() - st.mtimeMs > STALE_TEMP_MS;
    }
    if (stale) await unlink(path).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
