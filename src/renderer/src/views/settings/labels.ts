/** The words the window uses for each setting (field labels, and links from a hint to the field). */
import type { SettingKey } from '../../../../shared/errors';

export const SETTING_LABELS: Record<SettingKey, string> = {
  owner: 'Owner',
  'objectStore.kind': 'Object store',
  'objectStore.root': 'Archive folder',
  'objectStore.preset': 'Storage provider',
  'objectStore.endpoint': 'Endpoint URL',
  'objectStore.region': 'Region',
  'objectStore.bucket': 'Bucket',
  'objectStore.prefix': 'Key prefix',
  'objectStore.accessKeyId': 'Access key ID',
  'objectStore.secretAccessKey': 'Secret access key',
  'objectStore.partSizeMiB': 'Multipart part size (MiB)',
  'catalog.kind': 'Catalog',
  'catalog.path': 'SQLite catalog file',
  'catalog.url': 'Supabase URL',
  'catalog.key': 'Supabase key',
  'catalog.databaseUrl': 'PostgreSQL URL',
  compressionLevel: 'Compression level',
  archiveConcurrency: 'Archives at once',
  settleSeconds: 'Settle time (seconds)',
  autoSync: 'Auto-sync',
  includeRunData: 'Include run data',
  notifications: 'Notifications',
  configFile: 'Config file',
};

/** The id of a setting's input, so that a link (`#/settings?field=…`) can focus it. */
export const fieldId = (key: string) => `setting-${key.replace(/\./g, '-')}`;
