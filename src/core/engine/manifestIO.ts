import { SyncError } from '../model/errors.js';
import type { RemoteManifest } from '../model/RemoteManifest.js';
import type { ObjectStore } from '../stores/ObjectStore.js';

export const MANIFEST_FORMAT = 'bilancio-sync/manifest@1';

/** Read a manifest object; null if there is none. A manifest we can't read is an integrity error. */
export async function readManifest(store: ObjectStore, key: string): Promise<RemoteManifest | null> {
  let body: Buffer;
  try {
    const stream = await store.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    body = Buffer.concat(chunks);
  } catch (e) {
    if (e instanceof SyncError && e.category === 'not-found') return null;
    throw e;
  }
  let parsed: RemoteManifest;
  try {
    parsed = JSON.parse(body.toString('utf8')) as RemoteManifest;
  } catch {
    throw new SyncError(
      'integrity',
      `${key} in ${store.description} is not valid JSON.`,
      {
        text: 'The object was damaged or written by another tool: verify the sweep, then sync it again.',
        action: { kind: 'verify-sweep', sweep: key.split('/')[0] ?? key },
      },
      { code: 'manifest-damaged' },
    );
  }
  if (parsed.format !== MANIFEST_FORMAT) {
    throw new SyncError(
      'integrity',
      `${key} is not a Bilancio Sync manifest this version understands (format ${String(parsed.format)}).`,
      'Upgrade Bilancio Sync, or check that the bucket prefix is the right one.',
    );
  }
  // Whether run data is part of the revision (`full`) has been recorded from the start; a manifest
  // without it (written by hand or by an early build) is read as a revision with its run data, the way
  // every early revision was synced.
  if (typeof parsed.full !== 'boolean') parsed.full = true;
  return parsed;
}

export async function writeManifest(
  store: ObjectStore,
  key: string,
  manifest: RemoteManifest,
): Promise<void> {
  const body = Buffer.from(JSON.stringify(manifest, null, 1));
  await store.put(key, body, { contentType: 'application/json', size: body.length });
}
