/**
 * Every setting a researcher can change, as data: the environment variable that sets it (the names
 * researchers already use), where it sits in config.json, and whether it is a secret (kept by the
 * SecretStore, never returned, never written to config.json). loadConfig, the settings view and the
 * CLI's wording of hints ("set R2_BUCKET_NAME") all read this one table.
 */
import type { SettingKey } from '../../shared/errors.js';

export interface SettingSpec {
  /** Environment variables that set it, strongest first. */
  variables: readonly string[];
  /** Path in config.json. */
  file: readonly string[];
  secret: boolean;
  label: string;
  /**
   * Other tools' standard variables, read only after our own settings (environment, .env and config
   * file) and only where the storage preset's rule allows (s3Presets `regionFrom`): they don't lock the
   * setting and hints never name them.
   */
  fallbackVariables?: readonly string[];
}

export const SETTINGS: Readonly<Record<SettingKey, SettingSpec>> = {
  owner: { variables: ['BILANCIO_SYNC_OWNER'], file: ['owner'], secret: false, label: 'owner' },
  'objectStore.kind': { variables: [], file: ['objectStore', 'kind'], secret: false, label: 'object store' },
  'objectStore.root': {
    variables: ['BILANCIO_SYNC_ARCHIVE_DIR'],
    file: ['objectStore', 'root'],
    secret: false,
    label: 'archive folder',
  },
  'objectStore.preset': {
    variables: ['BILANCIO_S3_PRESET'],
    file: ['objectStore', 'preset'],
    secret: false,
    label: 'storage provider',
  },
  'objectStore.endpoint': {
    variables: ['R2_ENDPOINT_URL'],
    file: ['objectStore', 'endpoint'],
    secret: false,
    label: 'endpoint',
  },
  'objectStore.region': {
    variables: ['BILANCIO_S3_REGION'],
    file: ['objectStore', 'region'],
    secret: false,
    label: 'region',
    // The AWS SDK's and CLI's own; R2 ignores them (its region is always auto).
    fallbackVariables: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  },
  'objectStore.bucket': {
    variables: ['R2_BUCKET_NAME'],
    file: ['objectStore', 'bucket'],
    secret: false,
    label: 'bucket',
  },
  'objectStore.prefix': {
    variables: ['BILANCIO_S3_PREFIX'],
    file: ['objectStore', 'prefix'],
    secret: false,
    label: 'key prefix',
  },
  'objectStore.accessKeyId': {
    variables: ['R2_ACCESS_KEY_ID'],
    file: ['objectStore', 'accessKeyId'],
    secret: true,
    label: 'access key id',
  },
  'objectStore.secretAccessKey': {
    variables: ['R2_SECRET_ACCESS_KEY'],
    file: ['objectStore', 'secretAccessKey'],
    secret: true,
    label: 'secret access key',
  },
  'objectStore.partSizeMiB': {
    variables: ['BILANCIO_S3_PART_SIZE_MIB'],
    file: ['objectStore', 'partSizeMiB'],
    secret: false,
    label: 'multipart part size (MiB)',
  },
  'catalog.kind': { variables: [], file: ['catalog', 'kind'], secret: false, label: 'catalog' },
  'catalog.path': {
    variables: ['BILANCIO_SYNC_CATALOG_PATH'],
    file: ['catalog', 'path'],
    secret: false,
    label: 'SQLite catalog file',
  },
  'catalog.url': {
    variables: ['SUPABASE_URL'],
    file: ['catalog', 'url'],
    secret: false,
    label: 'Supabase URL',
  },
  'catalog.key': {
    variables: ['SUPABASE_KEY'],
    file: ['catalog', 'key'],
    secret: true,
    label: 'Supabase key',
  },
  'catalog.databaseUrl': {
    variables: ['BILANCIO_DATABASE_URL'],
    // config.json keeps a PostgreSQL catalog's URL as catalog.url (kind postgres); saved from the window it
    // goes to the SecretStore instead, as it may hold a password.
    file: ['catalog', 'url'],
    secret: true,
    label: 'PostgreSQL URL',
  },
  compressionLevel: {
    variables: ['BILANCIO_SYNC_COMPRESSION_LEVEL'],
    file: ['compressionLevel'],
    secret: false,
    label: 'compression level',
  },
  archiveConcurrency: {
    variables: ['BILANCIO_SYNC_ARCHIVE_CONCURRENCY'],
    file: ['archiveConcurrency'],
    secret: false,
    label: 'archives at once',
  },
  settleSeconds: {
    variables: ['BILANCIO_SYNC_SETTLE_SECONDS'],
    file: ['settleSeconds'],
    secret: false,
    label: 'settle time (s)',
  },
  autoSync: {
    variables: ['BILANCIO_SYNC_AUTO_SYNC'],
    file: ['autoSync'],
    secret: false,
    label: 'auto-sync',
  },
  includeRunData: {
    variables: ['BILANCIO_SYNC_INCLUDE_RUN_DATA'],
    file: ['includeRunData'],
    secret: false,
    label: 'include run data',
  },
  notifications: {
    variables: ['BILANCIO_SYNC_NOTIFICATIONS'],
    file: ['notifications'],
    secret: false,
    label: 'notifications',
  },
  configFile: { variables: ['BILANCIO_SYNC_CONFIG'], file: [], secret: false, label: 'config file' },
};
