/**
 * The file store against real temp folders: the contract, then what a careful user would check with
 * `ls -l` and `cat`: who may read the file, what it holds, and what a crash leaves behind.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import { FileSecretStore, secretsFilePath } from '../../src/core/secrets/FileSecretStore.js';
import { runSecretStoreContract } from './secretStoreContract.js';

const isWindows = process.platform === 'win32';
const root = await mkdtemp(join(tmpdir(), 'bsync-secrets-contract-'));
afterAll(() => rm(root, { recursive: true, force: true }));

runSecretStoreContract(
  'FileSecretStore',
  (space) => new FileSecretStore({ file: join(root, space, 'secrets.json') }),
);

const mode = async (path: string) => (await stat(path)).mode & 0o777;

async function caught(p: Promise<unknown>): Promise<SyncError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SyncError);
  return e as SyncError;
}

/** Everything a user could see of an error: message, hint, and what a log would print of it. */
function shown(e: SyncError): string {
  return [e.message, e.hint ?? '', inspect(e, { depth: 10 }), JSON.stringify(e.toAppError())].join('\n');
}

describe('FileSecretStore on disk', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bsync-secrets-'));
    file = secretsFilePath(join(dir, 'config'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('names its file in its description', () => {
    const store = new FileSecretStore({ file });
    expect(store.kind).toBe('file');
    expect(store.description).toBe(`the file ${file}, readable only by you`);
  });

  it.skipIf(isWindows)(
    'creates the file (and its folder) readable only by you, even under umask 000',
    async () => {
      const old = process.umask(0o000);
      try {
        const store = new FileSecretStore({ file });
        await store.set('objectStore.secretAccessKey', 'first');
        expect(await mode(file)).toBe(0o600);
        expect(await mode(join(dir, 'config'))).toBe(0o700);
        await store.set('objectStore.secretAccessKey', 'second');
        expect(await mode(file)).toBe(0o600);
        await store.set('catalog.key', 'third');
        await store.delete('objectStore.secretAccessKey');
        expect(await mode(file)).toBe(0o600);
      } finally {
        process.umask(old);
      }
    },
  );

  it('holds plain JSON a person can read and edit, and reads a hand-written file', async () => {
    const store = new FileSecretStore({ file });
    await store.set('objectStore.secretAccessKey', 'sk');
    await store.set('catalog.key', 'ck');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      version: 1,
      secrets: { 'catalog.key': 'ck', 'objectStore.secretAccessKey': 'sk' },
    });
    await writeFile(file, JSON.stringify({ version: 1, secrets: { 'catalog.url': 'postgres://u:p@h/d' } }), {
      mode: 0o600,
    });
    expect(await store.names()).toEqual(['catalog.url']);
    expect(await store.get('catalog.url')).toBe('postgres://u:p@h/d');
  });

  it.skipIf(isWindows)(
    'refuses a file others may read, naming the file and the chmod that fixes it',
    async () => {
      const store = new FileSecretStore({ file });
      await store.set('catalog.key', 'ck');
      for (const loose of [0o644, 0o640, 0o604]) {
        await chmod(file, loose);
        for (const attempt of [
          () => store.get('catalog.key'),
          () => store.names(),
          () => store.set('catalog.key', 'x'),
        ]) {
          const e = await caught(attempt());
          expect(e.category).toBe('configuration');
          expect(e.code).toBe('secrets-file-unsafe');
          expect(e.message).toContain(file);
          expect(e.message).toContain(`mode ${loose.toString(8)}`);
          expect(e.hint).toContain(`chmod 600 ${file}`);
        }
      }
      // Refused means untouched: the mode is still the loose one and the secret is still the old one.
      expect(await mode(file)).toBe(0o604);
      await chmod(file, 0o600);
      expect(await store.get('catalog.key')).toBe('ck');
    },
  );

  it.skipIf(isWindows)('refuses a file others may change, too', async () => {
    const store = new FileSecretStore({ file });
    await store.set('catalog.key', 'ck');
    await chmod(file, 0o620);
    const e = await caught(store.get('catalog.key'));
    expect(e.message).toMatch(/lets other users change it \(mode 620\)/);
    expect(e.hint).toContain(`chmod 600 ${file}`);
  });

  it('ignores and removes what a write that crashed before its rename left behind', async () => {
    const store = new FileSecretStore({ file });
    await store.set('objectStore.secretAccessKey', 'old');
    // A crashed writer (pid 99999999 can't exist) got as far as its temp file; a live one (our parent,
    // the test runner) is still writing its own.
    const crashed = `${file}.99999999.0123456789ab.tmp`;
    const live = `${file}.${process.ppid}.ba9876543210.tmp`;
    const half = JSON.stringify({
      version: 1,
      secrets: { 'objectStore.secretAccessKey': 'new', 'catalog.key': 'k' },
    });
    await writeFile(crashed, half, { mode: 0o600 });
    await writeFile(live, half, { mode: 0o600 });

    const reopened = new FileSecretStore({ file });
    expect(await reopened.get('objectStore.secretAccessKey')).toBe('old');
    expect(await reopened.names()).toEqual(['objectStore.secretAccessKey']);
    const left = await readdir(join(dir, 'config'));
    expect(left).not.toContain('secrets.json.99999999.0123456789ab.tmp');
    expect(left).toContain(`secrets.json.${process.ppid}.ba9876543210.tmp`);
    expect(JSON.parse(await readFile(file, 'utf8')).secrets).toEqual({
      'objectStore.secretAccessKey': 'old',
    });
  });

  it('writes leave no temp files behind, and two instances writing at once lose nothing', async () => {
    const a = new FileSecretStore({ file });
    const b = new FileSecretStore({ file });
    const names = Array.from({ length: 20 }, (_, i) => `test.s${i}`);
    await Promise.all(names.map((n, i) => (i % 2 ? a : b).set(n, `v${i}`)));
    expect(await a.names()).toEqual([...names].sort());
    expect(await readdir(join(dir, 'config'))).toEqual(['secrets.json']);
    if (!isWindows) expect(await mode(file)).toBe(0o600);
  });

  it('never shows a secret in an error, whatever goes wrong', async () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    const other = 'sbp_0123456789abcdef0123456789abcdef';
    await mkdir(join(dir, 'config'), { recursive: true });
    const store = new FileSecretStore({ file });
    const errors: SyncError[] = [];

    // a file cut off in the middle (JSON.parse would quote the text around the cut)
    await writeFile(file, `{"version":1,"secrets":{"objectStore.secretAccessKey":"${secret}`, {
      mode: 0o600,
    });
    errors.push(await caught(store.get('objectStore.secretAccessKey')));
    errors.push(await caught(store.set('catalog.key', other)));
    // a value that isn't a string
    await writeFile(file, `{"version":1,"secrets":{"a":"${secret}","b":{"x":"${secret}"}}}`, { mode: 0o600 });
    errors.push(await caught(store.names()));
    // not JSON at all
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
    errors.push(await caught(store.get('a')));
    // a file others may read, while setting a new secret
    if (!isWindows) {
      await writeFile(file, JSON.stringify({ version: 1, secrets: { a: secret } }), { mode: 0o644 });
      await chmod(file, 0o644);
      errors.push(await caught(store.set('catalog.key', other)));
    }
    // the name and the value swapped by mistake, and an empty value
    errors.push(await caught(store.set(secret.replace(/-/g, ' '), 'catalog.key')));
    errors.push(await caught(store.set('catalog.key', '')));

    for (const e of errors) {
      expect(e.message.length).toBeGreaterThan(0);
      expect(shown(e)).not.toContain(secret);
      expect(shown(e)).not.toContain(secret.replace(/-/g, ' '));
      expect(shown(e)).not.toContain(other);
    }
    expect(errors.slice(0, 4).map((e) => e.code)).toEqual(Array(4).fill('secrets-file-invalid'));
    expect(errors[0]!.message).toContain(file);
  });

  it('refuses a file written by a newer version instead of overwriting it', async () => {
    await mkdir(join(dir, 'config'), { recursive: true });
    const body = JSON.stringify({ version: 2, secrets: { 'catalog.key': 'k' }, more: true });
    await writeFile(file, body, { mode: 0o600 });
    const store = new FileSecretStore({ file });
    const e = await caught(store.set('catalog.key', 'other'));
    expect(e.code).toBe('secrets-file-newer');
    expect(await readFile(file, 'utf8')).toBe(body);
  });
});
