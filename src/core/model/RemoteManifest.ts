import { z } from 'zod';
import { SWEEP_TYPES, type SweepType, sweepTypeSchema } from '../../shared/states.js';
import { jsonUtf8Chunks, jsonUtf8Digest } from './jsonUtf8.js';
import type { FileEntry } from './types.js';

/** One object written for a revision. */
export interface ManifestObject {
  key: string;
  size: number;
  sha256: string;
  /** 'aggregate' = a file stored as-is; 'archive' = a tar.gz of a branch. */
  kind: 'aggregate' | 'archive';
  /** For an archive: the branch ('passive', 'control', … or 'runs' for a ring sweep root). */
  branch?: string;
  /** For an archive: the sweep-relative paths of the files inside it. For an aggregate: its one file. */
  files: string[];
}

/**
 * `{sweep}/manifest.json`, written last: the commit point of a sync. A revision is restorable exactly
 * when its manifest exists and every object it names has the size and sha256 it records.
 */
export interface RemoteManifest {
  format: 'bilancio-sync/manifest@1';
  sweep: string;
  sweepType: SweepType;
  revision: number;
  /**
   * Whether run data (branch archives) is part of this revision: synced with --full, or with the
   * include-run-data setting on. False: the revision holds the aggregates only, by choice — restore,
   * verify and list-sweeps treat the absent archives as not synced, not as missing. (Read as true when
   * absent; see manifestIO.readManifest.)
   */
  full: boolean;
  createdAt: string;
  syncedAt: string;
  sourceHost: string;
  sourcePath: string;
  toolVersion: string;
  files: FileEntry[];
  objects: ManifestObject[];
  /** Figures kept to notice a lossy bilancio resume: rows of aggregate/comparison.csv (or results.csv). */
  stats: { comparisonRows: number | null; registryRows: number; totalBytes: number };
  warnings: string[];
}

/**
 * A manifest as the catalog's `sweeps.manifest` holds it: everything but the per-file lists — the
 * revision, its objects (key, size, sha256, kind, branch), stats, warnings — with counts of files in
 * their place. The complete manifest is `{sweep}/manifest.json` in the store, the one restore, verify and
 * the journal read; the catalog is for queries, and a catalog row of every file path of a 119,000-file
 * sweep (~25 MB of jsonb per sweep, in every `select *` of the table, written again on every re-sync)
 * served none of them.
 */
export interface CatalogManifest extends Omit<RemoteManifest, 'files' | 'objects'> {
  fileCount: number;
  objects: (Omit<ManifestObject, 'files'> & { fileCount: number })[];
}

export function catalogManifest(manifest: RemoteManifest): CatalogManifest {
  const { files, objects, ...rest } = manifest;
  return {
    ...rest,
    fileCount: files.length,
    objects: objects.map(({ files: objectFiles, ...o }) => ({ ...o, fileCount: objectFiles.length })),
  };
}

/**
 * The remote manifest is untrusted input (anyone with write access to the bucket, a damaged object, a
 * tool that wrote it by hand): every field the engine relies on is checked before anything reads it.
 * `manifestSchemaFor(sweep)` adds what depends on the sweep: every key inside `{sweep}/`.
 */
const SHA256 = /^[0-9a-f]{64}$/;

/** A sweep-relative path that can't leave the sweep folder: forward slashes, no `.`/`..`/empty segment. */
export function unsafeRelativePathReason(p: string): string | null {
  if (p.length === 0) return 'is empty';
  if (p.startsWith('/')) return 'is absolute';
  if (p.includes('\\')) return 'contains a backslash';
  if (/^[A-Za-z]:/.test(p)) return 'starts with a drive letter';
  if (/[\u0000-\u001f\u007f]/.test(p)) return 'contains a control character';
  for (const seg of p.split('/')) {
    if (seg === '..') return 'leaves the sweep folder (..)';
    if (seg === '.' || seg === '') return 'has an empty or "." segment';
  }
  return null;
}

const relativePath = z.string().superRefine((p, ctx) => {
  const why = unsafeRelativePathReason(p);
  if (why) ctx.addIssue({ code: 'custom', message: `path "${p}" ${why}` });
});
const byteCount = z.number().int('must be an integer').nonnegative('must not be negative');
const sha256 = z.string().regex(SHA256, 'must be 64 lowercase hex digits (a sha256)');

export function manifestSchemaFor(sweep: string) {
  const objectKey = z.string().superRefine((k, ctx) => {
    if (!k.startsWith(`${sweep}/`)) {
      ctx.addIssue({ code: 'custom', message: `key "${k}" is outside the sweep's prefix ${sweep}/` });
      return;
    }
    const why = unsafeRelativePathReason(k.slice(sweep.length + 1));
    if (why) ctx.addIssue({ code: 'custom', message: `key "${k}" ${why}` });
  });
  return z
    .object({
      format: z.literal('bilancio-sync/manifest@1'),
      sweep: z.literal(sweep, { error: `must be "${sweep}" (the sweep the manifest is stored under)` }),
      sweepType: sweepTypeSchema,
      revision: z.number().int('must be an integer').positive('must be a positive integer'),
      full: z.boolean().optional(),
      createdAt: z.string(),
      syncedAt: z.string(),
      sourceHost: z.string(),
      sourcePath: z.string(),
      toolVersion: z.string(),
      files: z.array(
        z.object({
          path: relativePath,
          size: byteCount,
          mtimeMs: z.number().finite(),
          sha256,
        }),
      ),
      objects: z.array(
        z.object({
          key: objectKey,
          size: byteCount,
          sha256,
          kind: z.enum(['aggregate', 'archive']),
          branch: z.string().optional(),
          files: z.array(relativePath),
        }),
      ),
      stats: z.object({
        comparisonRows: byteCount.nullable(),
        registryRows: byteCount,
        totalBytes: byteCount,
      }),
      warnings: z.array(z.string()),
    })
    .superRefine((m, ctx) => {
      const listed = new Set(m.files.map((f) => f.path));
      m.objects.forEach((o, i) => {
        o.files.forEach((f, j) => {
          if (!listed.has(f))
            ctx.addIssue({
              code: 'custom',
              path: ['objects', i, 'files', j],
              message: `"${f}" is not in the manifest's files list`,
            });
        });
      });
    });
}

/**
 * The same checks as `manifestSchemaFor(sweep)`, by hand, for the manifest that passes them — the usual
 * case, and one of ~12,000 file entries that zod takes a while over. True only when every check holds
 * (never more lenient than the schema: where it may be stricter, the caller falls back to the schema,
 * which then accepts, or names what is wrong).
 */
export function passesManifestChecks(raw: unknown, sweep: string): boolean {
  if (!isRecord(raw)) return false;
  const m = raw;
  if (m.format !== 'bilancio-sync/manifest@1' || m.sweep !== sweep) return false;
  if (!(SWEEP_TYPES as readonly unknown[]).includes(m.sweepType)) return false;
  if (!(Number.isSafeInteger(m.revision) && (m.revision as number) > 0)) return false;
  if (m.full !== undefined && typeof m.full !== 'boolean') return false;
  for (const k of ['createdAt', 'syncedAt', 'sourceHost', 'sourcePath', 'toolVersion'] as const)
    if (typeof m[k] !== 'string') return false;
  if (!Array.isArray(m.files) || !Array.isArray(m.objects) || !Array.isArray(m.warnings)) return false;
  const listed = new Set<string>();
  for (const f of m.files as unknown[]) {
    if (!isRecord(f) || !isRelativePath(f.path) || !isByteCount(f.size)) return false;
    if (!Number.isFinite(f.mtimeMs) || !isSha256(f.sha256)) return false;
    listed.add(f.path);
  }
  const prefix = `${sweep}/`;
  for (const o of m.objects as unknown[]) {
    if (!isRecord(o) || typeof o.key !== 'string' || !o.key.startsWith(prefix)) return false;
    if (unsafeRelativePathReason(o.key.slice(prefix.length)) !== null) return false;
    if (!isByteCount(o.size) || !isSha256(o.sha256)) return false;
    if (o.kind !== 'aggregate' && o.kind !== 'archive') return false;
    if (o.branch !== undefined && typeof o.branch !== 'string') return false;
    if (!Array.isArray(o.files)) return false;
    for (const f of o.files as unknown[]) if (!isRelativePath(f) || !listed.has(f)) return false;
  }
  const stats = m.stats;
  if (!isRecord(stats) || !isByteCount(stats.registryRows) || !isByteCount(stats.totalBytes)) return false;
  if (stats.comparisonRows !== null && !isByteCount(stats.comparisonRows)) return false;
  return (m.warnings as unknown[]).every((w) => typeof w === 'string');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/**
 * unsafeRelativePathReason(v) === null, in one pass over the characters (no split, no regex): not empty,
 * no backslash or control character, no drive letter, no empty, "." or ".." segment (which also rules
 * out a leading or trailing slash).
 */
function isRelativePath(v: unknown): v is string {
  if (typeof v !== 'string' || v.length === 0) return false;
  if (v.length >= 2 && v.charCodeAt(1) === 0x3a && /^[A-Za-z]/.test(v)) return false;
  let segmentStart = 0;
  for (let i = 0; i <= v.length; i++) {
    const c = i < v.length ? v.charCodeAt(i) : 0x2f;
    if (c < 0x20 || c === 0x7f || c === 0x5c) return false;
    if (c !== 0x2f) continue;
    const n = i - segmentStart;
    if (n === 0) return false;
    if (n <= 2 && v.charCodeAt(segmentStart) === 0x2e && (n === 1 || v.charCodeAt(segmentStart + 1) === 0x2e))
      return false;
    segmentStart = i + 1;
  }
  return true;
}
const isByteCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isSha256 = (v: unknown): boolean => typeof v === 'string' && SHA256.test(v);

/** The manifest as the bytes the store's manifest.json and the journal's copy hold (manifestBody). */
export interface ManifestBody {
  size: number;
  sha256: string;
  /** The bytes in chunks of `chunkBytes` (the last shorter), made as they are asked for. */
  chunks(chunkBytes: number): Generator<Buffer>;
}

/**
 * The manifest as compact JSON (exactly `JSON.stringify`'s text, as UTF-8): the store's manifest.json
 * (and its copy under .revisions/) and the journal's revision take these bytes. For the 10× sweep
 * (119,000 files) they are ~25 MB, so they are never held whole: each consumer gets them in chunks,
 * made a slice at a time as it takes them (jsonUtf8Chunks), and their size and sha256 (which a store
 * checks) are counted once per manifest object the same way. A manifest is never changed once written,
 * so that count can be kept with the object.
 */
export function manifestBody(manifest: RemoteManifest): ManifestBody {
  let digest = manifestDigests.get(manifest);
  if (digest === undefined) {
    digest = jsonUtf8Digest(manifest);
    manifestDigests.set(manifest, digest);
  }
  return { ...digest, chunks: (chunkBytes) => jsonUtf8Chunks(manifest, chunkBytes) };
}
const manifestDigests = new WeakMap<RemoteManifest, { size: number; sha256: string }>();
