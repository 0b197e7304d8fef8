/**
 * The most bytes the `.tar.gz` that createArchive (ArchiveWriter.ts) writes of these files can have,
 * known before a byte is read: an object store sizes its upload parts by it (S3ObjectStore: the
 * smallest parts that still fit the archive in 10,000, so less memory in flight).
 *
 * The tar stream, as ArchiveWriter writes it: per file a header block, before it at most one pax
 * header (a block, then its path and mtime records padded to whole blocks: a record is the path's
 * UTF-8 bytes and at most 40 more; none for an ASCII path under 100 bytes, which ustar's name field
 * holds), the content padded to whole blocks; two zero blocks at the end.
 * Then gzip, one member per PIECE_BYTES of that stream: 18 bytes of header and trailer each, and a
 * piece that doesn't compress grows by at most zlib's conservative deflateBound (n + n/8 + n/64 + 5
 * bytes), which holds for every level and memory setting. Sweep data compresses ~5:1, so the bound is
 * far above the real size; it only has to be above it.
 */
import { PIECE_BYTES } from './GzipMemberWriter.js';

const BLOCK = 512;
const USTAR_NAME = 100;

export function archiveSizeBound(files: ReadonlyArray<{ path: string; size: number }>): number {
  let tar = 2 * BLOCK;
  for (const f of files) {
    const bytes = Buffer.byteLength(f.path);
    const pax = bytes === f.path.length && bytes < USTAR_NAME ? 0 : BLOCK + roundUpToBlock(bytes + 64);
    tar += BLOCK + pax + roundUpToBlock(f.size);
  }
  const members = Math.max(1, Math.ceil(tar / PIECE_BYTES));
  return tar + Math.ceil(tar / 8) + Math.ceil(tar / 64) + members * (5 + 18);
}

function roundUpToBlock(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}
