import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import { LocalFolderObjectStore } from '../../src/core/stores/LocalFolderObjectStore.js';
import type { ObjectInfo } from '../../src/core/stores/ObjectStore.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bsync-local-store-'));
  dirs.push(d);
  return d;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function listKeys(store: LocalFolderObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

async function errorOf(p: Promise<unknown>): Promise<SyncError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SyncError) return e;
    throw e;
  }
  throw new Error('expected a SyncError');
}

/** A body that sends `first` and then stalls forever, like an upload source that hangs. */
function stallingBody(first: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(first);
      }
    },
  });
}

let root: string;
let store: LocalFolderObjectStore;
beforeEach(() => {
  root = tempDir();
  store = new LocalFolderObjectStore(root);
});

// What every ObjectStore must do (bytes, hashes, refused and aborted puts, listing order, copy, delete)
// is the contract in test/stores-contract/objectStoreContract.ts, run on this store by objectStores.test.ts.
// These are the local folder's own: its temp files, sidecars, key rules and folders.
describe('LocalFolderObjectStore', () => {
  it('describes itself by its folder', () => {
    expect(store.description).toBe(`local folder ${root}`);
  });

  it('rejects a body whose hash differs, keeping the previous object', async () => {
    await store.put('s1/manifest.json', Buffer.from('old'));
    const e = await errorOf(store.put('s1/manifest.json', Buffer.from('new'), { sha256: sha('other') }));
    expect(e.category).toBe('integrity');
    expect((await readAll(await store.get('s1/manifest.json'))).toString()).toBe('old');
    expect((await store.head('s1/manifest.json'))?.sha256).toBe(sha('old'));
    expect(readdirSync(join(root, '.tmp'))).toEqual([]);
  });

  it('an aborted put leaves the previous object and no partial file', async () => {
    await store.put('s1/passive.tar.gz', Buffer.from('previous'));
    const controller = new AbortController();
    const put = store.put('s1/passive.tar.gz', stallingBody(Buffer.alloc(64_000, 7)), {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(put).rejects.toMatchObject({ name: 'AbortError' });
    expect((await readAll(await store.get('s1/passive.tar.gz'))).toString()).toBe('previous');
    expect((await store.head('s1/passive.tar.gz'))?.sha256).toBe(sha('previous'));
    expect(readdirSync(join(root, '.tmp'))).toEqual([]);
    expect(await listKeys(store)).toEqual(['s1/passive.tar.gz']);
  });

  it('a source that fails mid-way leaves no visible object', async () => {
    const body = new Readable({
      read() {
        this.push(Buffer.alloc(1000));
        this.destroy(new Error('archiver broke'));
      },
    });
    await expect(store.put('s1/active.tar.gz', body)).rejects.toBeInstanceOf(SyncError);
    expect(await store.head('s1/active.tar.gz')).toBeNull();
    expect(await listKeys(store)).toEqual([]);
    expect(readdirSync(join(root, '.tmp'))).toEqual([]);
  });

  it('concurrent puts of one key leave one complete object', async () => {
    const a = Buffer.alloc(300_000, 1);
    const b = Buffer.alloc(200_000, 2);
    await Promise.all([store.put('k', a), store.put('k', b)]);
    const got = await readAll(await store.get('k'));
    expect([sha(a), sha(b)]).toContain(sha(got));
    expect((await store.head('k'))?.sha256).toBe(sha(got));
  });

  it('validates keys', async () => {
    const bad = [
      '',
      '/abs',
      'a//b',
      'a/',
      'a/../b',
      '..',
      './a',
      'a\\b',
      '.tmp/x',
      '.meta/a',
      'C:/x',
      'a\0b',
    ];
    for (const key of bad) {
      const e = await errorOf(store.put(key, Buffer.from('x')));
      expect(e.category, key).toBe('usage');
      expect((await errorOf(store.get(key))).category).toBe('usage');
    }
    expect(readdirSync(root).filter((n) => n !== '.tmp')).toEqual([]);
    await expect(store.put('ok/.hidden-ish/file..txt', Buffer.from('x'))).resolves.toBeTruthy();
  });

  it('lists in key (byte) order under a prefix, never showing its own files', async () => {
    for (const key of ['b', 'ab', 'a/y', 'a/x', 'a.txt', 'a/z/deep', 'é'])
      await store.put(key, Buffer.from(key));
    expect(await listKeys(store)).toEqual(['a.txt', 'a/x', 'a/y', 'a/z/deep', 'ab', 'b', 'é']);
    expect(await listKeys(store, 'a/')).toEqual(['a/x', 'a/y', 'a/z/deep']);
    expect(await listKeys(store, 'a')).toEqual(['a.txt', 'a/x', 'a/y', 'a/z/deep', 'ab']);
    expect(await listKeys(store, 'a/z/d')).toEqual(['a/z/deep']);
    expect(await listKeys(store, 'nothing/')).toEqual([]);
    expect(await listKeys(store, '.meta/')).toEqual([]);
    const infos: ObjectInfo[] = [];
    for await (const o of store.list('b')) infos.push(o);
    expect(infos).toEqual([{ key: 'b', size: 1, sha256: sha('b') }]);
  });

  it('copies with the sha256, independent of later writes to the source', async () => {
    await store.put('s1/manifest.json', Buffer.from('rev1'));
    const copied = await store.copy('s1/manifest.json', 's1/revisions/1/manifest.json');
    expect(copied).toEqual({ key: 's1/revisions/1/manifest.json', size: 4, sha256: sha('rev1') });
    await store.put('s1/manifest.json', Buffer.from('rev2!'));
    expect((await readAll(await store.get('s1/revisions/1/manifest.json'))).toString()).toBe('rev1');
    expect(await store.head('s1/revisions/1/manifest.json')).toEqual(copied);
    expect((await errorOf(store.copy('missing', 'x'))).category).toBe('not-found');
    expect((await errorOf(store.copy('s1', 'x'))).category).toBe('not-found'); // a folder, not an object
  });

  it('deletes objects (missing is fine) and prunes emptied folders', async () => {
    await store.put('s1/aggregate/summary.json', Buffer.from('{}'));
    await store.delete('s1/aggregate/summary.json');
    await store.delete('s1/aggregate/summary.json');
    await store.delete('s1'); // a folder is not an object
    expect(await store.head('s1/aggregate/summary.json')).toBeNull();
    expect(readdirSync(root).sort()).toEqual(['.meta', '.tmp']);
    expect(readdirSync(join(root, '.meta'))).toEqual([]);
  });

  it('reports no sha256 for a file changed behind its back (stale sidecar)', async () => {
    await store.put('k', Buffer.from('original'));
    writeFileSync(join(root, 'k'), 'tampered!');
    expect(await store.head('k')).toEqual({ key: 'k', size: 9, sha256: undefined });
    // a file dropped into the folder by hand is listed, without a hash
    writeFileSync(join(root, 'manual'), 'm');
    expect(await listKeys(store)).toEqual(['k', 'manual']);
  });

  it('a key that is a folder of another key is a conflict', async () => {
    await store.put('a', Buffer.from('x'));
    expect((await errorOf(store.put('a/b', Buffer.from('y')))).category).toBe('conflict');
    expect(readdirSync(join(root, '.tmp'))).toEqual([]);
  });
});

// A real full disk: a tiny tmpfs. Needs root (CI containers here run as root); skipped elsewhere.
function mountTinyTmpfs(dir: string): boolean {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('LocalFolderObjectStore on a full disk', () => {
  const mountDir = mkdtempSync(join(tmpdir(), 'bsync-full-'));
  const mounted = mountTinyTmpfs(mountDir);
  afterAll(() => {
    if (mounted) execFileSync('umount', [mountDir]);
    rmSync(mountDir, { recursive: true, force: true });
  });

  it.skipIf(!mounted)(
    'ENOSPC → transient error naming the folder, temp removed, old object kept',
    async () => {
      const fullRoot = join(mountDir, 'store');
      mkdirSync(fullRoot);
      const s = new LocalFolderObjectStore(fullRoot);
      await s.put('s1/passive.tar.gz', Buffer.from('previous'));
      const e = await errorOf(s.put('s1/passive.tar.gz', Readable.from([Buffer.alloc(1024 * 1024, 1)])));
      expect(e.category).toBe('transient');
      expect(e.message).toContain(`The disk holding ${fullRoot} is full`);
      expect(e.hint).toMatch(/Free some space/);
      expect(readdirSync(join(fullRoot, '.tmp'))).toEqual([]);
      expect((await readAll(await s.get('s1/passive.tar.gz'))).toString()).toBe('previous');
    },
  );
});
