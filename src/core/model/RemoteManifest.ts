import { z } from 'zod';
import { type SweepType, sweepTypeSchema } from '../../shared/states.js';
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
