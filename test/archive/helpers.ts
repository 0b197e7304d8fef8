/** Real-file-system fixtures for the archive tests: sweeps on disk and hand-made tar streams. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Header, Pax } from 'tar';
import type { FileEntry } from '../../src/core/model/types.js';

const made: string[] = [];

export async function tempDir(label: string): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), `bsync-archive-${label}-`));
  made.push(d);
  return d;
}

export async function removeTempDirs(): Promise<void> {
  for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
}

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Writes files under root (posix rel paths) with a fixed mtime, returns their FileEntries. */
export async function writeSweep(
  root: string,
  files: Record<string, string | Buffer>,
  mtimeMs = Date.UTC(2025, 0, 2, 3, 4, 5, 678),
): Promise<FileEntry[]> {
  const entries: FileEntry[] = [];
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, content);
    await utimes(abs, mtimeMs / 1000, mtimeMs / 1000);
    entries.push(await entryOf(root, rel));
  }
  return entries;
}

export async function entryOf(root: string, rel: string): Promise<FileEntry> {
  const abs = path.join(root, ...rel.split('/'));
  const st = await stat(abs);
  return { path: rel, size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(await readFile(abs)) };
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Every file under dir, as posix relative paths, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isDirectory())
      out.push(path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  }
  return out.sort();
}

/** Every entry (files and directories) under dir. */
export async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

export interface RawMember {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';
  data?: string | Buffer;
  linkpath?: string;
  /** Put the path in a pax record (how GNU/bsdtar store long or non-ASCII names). */
  pax?: boolean;
}

/** A tar stream written block by block with tar 7's Header: anything goes, hostile included. */
export function rawTar(members: RawMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const data = typeof m.data === 'string' ? Buffer.from(m.data) : (m.data ?? Buffer.alloc(0));
    if (m.pax) blocks.push(new Pax({ path: m.path }).encode());
    const h = Buffer.alloc(512);
    new Header({
      path: m.pax ? 'placeholder' : m.path,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: data.length,
      mtime: new Date(1_700_000_000_000),
      type: m.type ?? 'File',
      linkpath: m.linkpath ?? '',
      uname: '',
      gname: '',
    }).encode(h);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const rawTarGz = (members: RawMember[]): Buffer => gzipSync(rawTar(members));

export const fromBuffer = (b: Buffer): Readable => Readable.from([b]);

/** FileEntries describing raw members as if a manifest listed them. */
export function manifestFor(members: { path: string; data: string | Buffer }[], mtimeMs = 1_700_000_000_000) {
  return members.map((m) => {
    const data = typeof m.data === 'string' ? Buffer.from(m.data) : m.data;
    return { path: m.path, size: data.length, mtimeMs, sha256: sha256(data) } satisfies FileEntry;
  });
}
