import { hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { SyncError } from '../model/errors.js';
import {
  manifestBody,
  manifestSchemaFor,
  passesManifestChecks,
  type RemoteManifest,
} from '../model/RemoteManifest.js';
import type { ObjectStore } from '../stores/ObjectStore.js';

export const MANIFEST_FORMAT = 'bilancio-sync/manifest@1';
/** The manifest goes to the store in chunks of this size: a few of them in memory, never the whole. */
const MANIFEST_CHUNK_BYTES = 1024 * 1024;

/**
 * Read a manifest object; null if there is none. A manifest we can't read is an integrity error.
 * `recorded`: the bytes of the manifest this machine's journal recorded last for the sweep (one it
 * committed, or read and checked). An object of exactly those bytes passed every check of
 * validateManifest already, so only the sweep it names is checked again (the same bytes under another
 * sweep's key are not that sweep's manifest): for 12,000 files that skips ~15-20 ms of a no-op re-sync.
 * Whether the object holds those bytes is first asked of the store's metadata (storeHolds): then the
 * manifest isn't downloaded at all.
 */
export async function readManifest(
  store: ObjectStore,
  key: string,
  recorded?: Buffer | null,
): Promise<RemoteManifest | null> {
  let body: Buffer;
  try {
    const held = recorded ? await storeHolds(store, key, recorded) : 'unknown';
    if (held === 'none') return null;
    body = recorded && held === 'recorded' ? recorded : await readObject(store, key);
  } catch (e) {
    if (e instanceof SyncError && e.category === 'not-found') return null;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    throw new SyncError(
      'integrity',
      `${key} in ${store.description} is not valid JSON.`,
      {
        text: 'The object was damaged or written by another tool: verify the sweep, then sync it again.',
        action: { kind: 'verify-sweep', sweep: sweepOfKey(key) },
      },
      { code: 'manifest-damaged' },
    );
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || format !== MANIFEST_FORMAT) {
    throw new SyncError(
      'integrity',
      `${key} is not a Bilancio Sync manifest this version understands (format ${String(format)}).`,
      'Upgrade Bilancio Sync, or check that the bucket prefix is the right one.',
      { code: 'manifest-format' },
    );
  }
  const sweep = sweepOfKey(key);
  const checked = recorded && body.equals(recorded) && (raw as { sweep?: unknown }).sweep === sweep;
  const parsed = checked
    ? (raw as RemoteManifest)
    : validateManifest(raw, sweep, `${key} in ${store.description}`);
  // Whether run data is part of the revision (`full`) has been recorded from the start; a manifest
  // without it (written by hand or by an early build) is read as a revision with its run data, the way
  // every early revision was synced.
  if (typeof parsed.full !== 'boolean') parsed.full = true;
  return parsed;
}

/**
 * Whether the store's object under `key` is `bytes`, as its metadata says: the size, and the sha256 the
 * store recorded when the object was written (ObjectStore.put: S3's x-amz-meta-sha256, the local store's
 * sidecar, valid only while the file keeps its size and mtime). One HEAD request instead of the
 * download of a manifest that is 3 MB for 12,000 files (30 MB for 120,000), which a no-op re-sync
 * spent most of its time on over a slow link. 'none': there is no such object (S3 answers a missing
 * bucket so too; the listing or the upload that follows then says so). 'unknown': no such metadata, or
 * other values: the manifest is downloaded and checked as always.
 */
async function storeHolds(
  store: ObjectStore,
  key: string,
  bytes: Buffer,
): Promise<'recorded' | 'none' | 'unknown'> {
  const info = await store.head(key);
  if (info === null) return 'none';
  return info.size === bytes.length && info.sha256 === sha256Hex(bytes) ? 'recorded' : 'unknown';
}

async function readObject(store: ObjectStore, key: string): Promise<Buffer> {
  const stream = await store.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function writeManifest(
  store: ObjectStore,
  key: string,
  manifest: RemoteManifest,
): Promise<void> {
  const body = manifestBody(manifest); // the bytes the journal takes too
  // A factory: a store may restart the upload with fresh chunks. The size and sha256 are known up front,
  // so S3 sends a small manifest as one PutObject and stamps a big one's sha256 from its first request.
  await store.put(key, () => Readable.from(body.chunks(MANIFEST_CHUNK_BYTES), { objectMode: false }), {
    contentType: 'application/json',
    size: body.size,
    sha256: body.sha256,
  });
}

function sha256Hex(bytes: Buffer): string {
  return hash('sha256', bytes, 'hex');
}

/** The sweep a manifest key belongs to: `{sweep}/manifest.json` or `{sweep}/.revisions/{n}/manifest.json`. */
function sweepOfKey(key: string): string {
  return key.split('/')[0] ?? key;
}

/**
 * Check an untrusted manifest against the schema (keys inside the sweep's prefix, no path leaving the
 * sweep folder, sizes non-negative integers, sha256 hex, revision a positive integer). The error names
 * every offending field, e.g. `files[3].path: path "../x" leaves the sweep folder (..)`.
 */
export function validateManifest(raw: unknown, sweep: string, where: string): RemoteManifest {
  // The checks by hand first (they take a fraction of zod's time over 12,000 file entries); the schema
  // runs only for a manifest they refuse, to accept it after all or to name every problem.
  if (passesManifestChecks(raw, sweep)) return raw as RemoteManifest;
  const result = manifestSchemaFor(sweep).safeParse(raw);
  if (result.success) return raw as RemoteManifest;
  const problems = result.error.issues.map((i) => `${fieldName(i.path)}: ${i.message}`);
  const shown =
    problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
  throw new SyncError(
    'integrity',
    `${where} is not a valid manifest: ${shown}.`,
    {
      text:
        'Nothing was read from it. The manifest was damaged or written by another tool: sync the sweep again ' +
        'from its local folder, or restore an earlier revision (--revision).',
    },
    { code: 'manifest-invalid', field: fieldName(result.error.issues[0]?.path ?? []) },
  );
}

function fieldName(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(manifest)';
}
