/**
 * Destination presets as the settings form shows them, mapped onto the contract's setting keys: each
 * object store preset asks for exactly what it needs (R2 an account id or endpoint, B2 and AWS a region,
 * MinIO and other S3 servers an endpoint; all a bucket and a key pair; a local folder only the folder),
 * and each catalog preset likewise (SQLite a file, Supabase a URL and key, PostgreSQL a URL).
 */
import type { SettingChanges, SettingsView } from '../../../../shared/commands';
import type { SettingKey } from '../../../../shared/errors';

export type StorePreset = 'local' | 'r2' | 'b2' | 'aws' | 'minio' | 'custom';
export type CatalogPreset = 'sqlite' | 'supabase' | 'postgres';

export const STORE_PRESETS: Array<{ id: StorePreset; label: string }> = [
  { id: 'local', label: 'Local folder' },
  { id: 'r2', label: 'Cloudflare R2' },
  { id: 'b2', label: 'Backblaze B2' },
  { id: 'aws', label: 'AWS S3' },
  { id: 'minio', label: 'MinIO' },
  { id: 'custom', label: 'Other S3-compatible (custom)' },
];

export const CATALOG_PRESETS: Array<{ id: CatalogPreset; label: string }> = [
  { id: 'sqlite', label: 'Local (SQLite)' },
  { id: 'supabase', label: 'Supabase' },
  { id: 'postgres', label: 'PostgreSQL' },
];

/** The form's fields for the object store (the R2 account id is the form's own: it becomes the endpoint). */
export interface StoreForm {
  preset: StorePreset;
  root: string;
  /** R2: an account id, or the whole endpoint URL. */
  account: string;
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  partSizeMiB: string;
}

export interface CatalogForm {
  kind: CatalogPreset;
  path: string;
  url: string;
}

export type Values = Partial<Record<SettingKey, string>>;

/** Each setting's value in force, as text (secrets have none). */
export function valuesOf(view: SettingsView): Values {
  const out: Values = {};
  for (const s of view.settings) if (s.value !== null) out[s.key] = String(s.value);
  return out;
}

const R2_ENDPOINT = /^https:\/\/([a-z0-9]+)\.r2\.cloudflarestorage\.com\/?$/i;

export function storeFormOf(v: Values): StoreForm {
  const kind = v['objectStore.kind'] ?? 'local';
  const preset = (kind === 'local' ? 'local' : (v['objectStore.preset'] ?? 'custom')) as StorePreset;
  const endpoint = v['objectStore.endpoint'] ?? '';
  return {
    preset,
    root: v['objectStore.root'] ?? '',
    account: R2_ENDPOINT.exec(endpoint)?.[1] ?? endpoint,
    endpoint,
    region: v['objectStore.region'] ?? '',
    bucket: v['objectStore.bucket'] ?? '',
    prefix: v['objectStore.prefix'] ?? '',
    partSizeMiB: v['objectStore.partSizeMiB'] ?? '',
  };
}

export function catalogFormOf(v: Values): CatalogForm {
  return {
    kind: (v['catalog.kind'] ?? 'sqlite') as CatalogPreset,
    path: v['catalog.path'] ?? '',
    url: v['catalog.url'] ?? '',
  };
}

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

/** The endpoint an R2 "account id or endpoint" field means. */
export function r2Endpoint(account: string): string | null {
  const a = account.trim();
  if (a === '') return null;
  return /^https?:\/\//i.test(a) ? a : `https://${a}.r2.cloudflarestorage.com`;
}

/** Every object store key the preset decides (the others cleared, so that nothing stale stays). */
export function storeChanges(f: StoreForm): SettingChanges {
  if (f.preset === 'local') {
    return {
      'objectStore.kind': 'local',
      'objectStore.root': orNull(f.root),
      'objectStore.preset': null,
      'objectStore.endpoint': null,
      'objectStore.region': null,
      'objectStore.bucket': null,
      'objectStore.prefix': null,
      'objectStore.partSizeMiB': null,
    };
  }
  const region = orNull(f.region);
  const endpoint =
    f.preset === 'r2'
      ? r2Endpoint(f.account)
      : f.preset === 'b2'
        ? region
          ? `https://s3.${region}.backblazeb2.com`
          : null
        : f.preset === 'aws'
          ? null
          : orNull(f.endpoint);
  return {
    'objectStore.kind': 's3',
    'objectStore.root': null,
    'objectStore.preset': f.preset,
    'objectStore.endpoint': endpoint,
    'objectStore.region': f.preset === 'r2' ? null : region,
    'objectStore.bucket': orNull(f.bucket),
    'objectStore.prefix': orNull(f.prefix),
    'objectStore.partSizeMiB': orNull(f.partSizeMiB),
  };
}

export function catalogChanges(f: CatalogForm): SettingChanges {
  return {
    'catalog.kind': f.kind,
    'catalog.path': f.kind === 'sqlite' ? orNull(f.path) : null,
    'catalog.url': f.kind === 'supabase' ? orNull(f.url) : null,
  };
}

/** Only what differs from the values in force, and nothing the environment locks. */
export function onlyChanged(changes: SettingChanges, v: Values, locked: ReadonlySet<string>): SettingChanges {
  const out: SettingChanges = {};
  for (const [k, value] of Object.entries(changes) as Array<[keyof SettingChanges, string | number | null]>) {
    if (locked.has(k)) continue;
    const now = v[k] ?? null;
    const next = value === null ? null : String(value);
    if (now !== next) out[k] = value;
  }
  return out;
}
