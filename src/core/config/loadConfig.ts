import { existsSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { SecretSetting } from '../../shared/commands.js';
import type { SettingKey } from '../../shared/errors.js';
import {
  DEFAULT_NOTIFICATIONS,
  isNotificationPreference,
  NOTIFICATION_PREFERENCES,
  type NotificationPreference,
} from '../../shared/notifications.js';
import type { CatalogConfig, ObjectStoreConfig, S3PresetName } from '../model/destinations.js';
import { S3_PRESET_NAMES } from '../model/destinations.js';
import { SyncError, settingHint } from '../model/errors.js';
import { presetRegion, recognizeEndpoint, resolveS3Config } from '../stores/s3Presets.js';
import { type AppPaths, appPaths } from './paths.js';
import { type ConfigFile, configFileSchema } from './schema.js';
import { SETTINGS } from './settingsRegistry.js';

export interface AppConfig {
  paths: AppPaths;
  /** config.json (or the file BILANCIO_SYNC_CONFIG names), whether it exists or not. */
  configPath: string;
  journalPath: string;
  owner: string;
  sourceHost: string;
  objectStore: ObjectStoreConfig;
  catalog: CatalogConfig;
  compressionLevel: number;
  archiveConcurrency: number;
  settleMs: number;
  /** Watch mode syncs finished sweeps by itself; off: they stay queued until "Sync now" (or a one-shot sync). */
  autoSync: boolean;
  /** A sync that doesn't say otherwise archives and uploads the run data (watch mode, `sync` without a flag). */
  includeRunData: boolean;
  /** Which desktop notifications the shell shows (src/shared/notifications.ts `shouldNotify`). */
  notifications: NotificationPreference;
  /** Experiments folders the app watches (config.json). */
  watchedFolders: string[];
  /** Where secrets saved from the app live, as config.json records it. */
  secretStore: 'keychain' | 'file' | null;
  /** The files that contributed settings, for `status` and `doctor`. */
  sources: string[];
}

/**
 * Settings come from, strongest first: the process environment, a `.env` in the working folder, a `.env`
 * in the config folder, the config file; what none of them sets falls back to the embedded default
 * (a local archive folder and a local SQLite catalog in the app's data folder).
 */
export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Values from the SecretStore: weaker than the environment, stronger than config.json. */
  secrets?: Partial<Record<SecretSetting, string>>;
  /** A config file's content to use instead of reading it (a draft being validated or tested). */
  file?: ConfigFile | null;
}

/** The environment as settings see it (process environment over the .env files), and where the files are. */
export function configLocation(options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): {
  env: NodeJS.ProcessEnv;
  paths: AppPaths;
  configPath: string;
  /** The .env files that were read, weakest first. */
  dotenvFiles: string[];
  /** Which variables came from a .env file rather than the process environment. */
  fromDotenv: Set<string>;
} {
  const baseEnv = options.env ?? process.env;
  const paths = appPaths(baseEnv);
  const candidates = [join(options.cwd ?? process.cwd(), '.env'), join(paths.configDir, '.env')];
  const fromDotenvValues: Record<string, string> = {};
  const dotenvFiles: string[] = [];
  for (const file of candidates.reverse()) {
    if (!existsSync(file)) continue;
    Object.assign(fromDotenvValues, parseDotenv(readFileSync(file)));
    dotenvFiles.push(file);
  }
  // An empty variable (`R2_BUCKET_NAME=`) means "not set", as in most shells' tooling.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries({ ...fromDotenvValues, ...baseEnv }).filter(([, v]) => v !== undefined && v !== ''),
  );
  const fromDotenv = new Set(
    Object.keys(fromDotenvValues).filter((k) => !baseEnv[k] && env[k] !== undefined),
  );
  const configPath = env.BILANCIO_SYNC_CONFIG ?? join(paths.configDir, 'config.json');
  return { env, paths, configPath, dotenvFiles, fromDotenv };
}

export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const { env, paths, configPath, dotenvFiles } = configLocation(options);
  const sources: string[] = [...dotenvFiles];
  const file =
    options.file !== undefined ? options.file : readConfigFile(configPath, Boolean(env.BILANCIO_SYNC_CONFIG));
  if (file) sources.push(configPath);
  const secrets = options.secrets ?? {};

  return {
    paths,
    configPath,
    journalPath: join(paths.dataDir, 'journal.sqlite'),
    owner: env.BILANCIO_SYNC_OWNER ?? file?.owner ?? safeUsername(),
    sourceHost: hostname(),
    objectStore: resolveObjectStore(env, file, paths, secrets),
    catalog: resolveCatalog(env, file, paths, secrets),
    compressionLevel: intSetting(env, 'compressionLevel', 0, 9) ?? file?.compressionLevel ?? 6,
    archiveConcurrency: intSetting(env, 'archiveConcurrency', 1, 16) ?? file?.archiveConcurrency ?? 2,
    settleMs: (intSetting(env, 'settleSeconds', 0, 86_400) ?? file?.settleSeconds ?? 10) * 1000,
    autoSync: boolSetting(env, 'autoSync') ?? file?.autoSync ?? true,
    includeRunData: boolSetting(env, 'includeRunData') ?? file?.includeRunData ?? true,
    notifications: notificationsSetting(env) ?? file?.notifications ?? DEFAULT_NOTIFICATIONS,
    watchedFolders: file?.watchedFolders ?? [],
    secretStore: file?.secretStore ?? null,
    sources,
  };
}

/** config.json as written, checked against its schema; null if there is none. */
export function readConfigFile(path: string, required: boolean): ConfigFile | null {
  if (!existsSync(path)) {
    if (required) {
      throw new SyncError(
        'configuration',
        `The config file ${path} named by the environment does not exist.`,
        settingHint('Create the file, or stop naming it.', 'configFile'),
      );
    }
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SyncError(
      'configuration',
      `The config file ${path} is not valid JSON: ${(e as Error).message}`,
      'Fix the file (or move it aside to use the defaults).',
    );
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new SyncError(
      'configuration',
      `The config file ${path} has a bad setting: ${problems.join('; ')}`,
      settingHint('See "Configuration" in the README for the allowed settings.', 'configFile'),
    );
  }
  return parsed.data;
}

type Secrets = Partial<Record<SecretSetting, string>>;

function resolveObjectStore(
  env: NodeJS.ProcessEnv,
  file: ConfigFile | null,
  paths: AppPaths,
  secrets: Secrets,
): ObjectStoreConfig {
  const fromFile = file?.objectStore;
  const endpoint = env.R2_ENDPOINT_URL ?? (fromFile?.kind === 's3' ? fromFile.endpoint : undefined);
  const s3Wanted = Boolean(env.R2_ENDPOINT_URL || env.R2_ACCESS_KEY_ID || fromFile?.kind === 's3');
  if (!s3Wanted) {
    const root = env.BILANCIO_SYNC_ARCHIVE_DIR ?? (fromFile?.kind === 'local' ? fromFile.root : undefined);
    return { kind: 'local', root: root ?? join(paths.dataDir, 'archive') };
  }
  const s3File = fromFile?.kind === 's3' ? fromFile : undefined;
  const accessKeyId = env.R2_ACCESS_KEY_ID ?? secrets['objectStore.accessKeyId'] ?? s3File?.accessKeyId;
  const secretAccessKey =
    env.R2_SECRET_ACCESS_KEY ?? secrets['objectStore.secretAccessKey'] ?? s3File?.secretAccessKey;
  const preset =
    (env.BILANCIO_S3_PRESET as S3PresetName | undefined) ??
    s3File?.preset ??
    recognizeEndpoint(endpoint).preset;
  if (!S3_PRESET_NAMES.includes(preset)) {
    throw new SyncError(
      'configuration',
      `The storage provider "${preset}" is not a known preset.`,
      settingHint(`Use one of ${S3_PRESET_NAMES.join(', ')}.`, 'objectStore.preset'),
    );
  }
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint)) {
    throw new SyncError(
      'configuration',
      `The object store endpoint "${endpoint}" is not an http(s) URL.`,
      settingHint(
        'Set it to the S3 endpoint, e.g. https://<account>.r2.cloudflarestorage.com.',
        'objectStore.endpoint',
      ),
    );
  }
  if (endpoint === undefined && preset !== 'aws') {
    throw new SyncError(
      'configuration',
      'Object storage credentials are set but the endpoint is not.',
      settingHint(
        'Set the endpoint of your bucket (Cloudflare R2: https://<account>.r2.cloudflarestorage.com).',
        'objectStore.endpoint',
      ),
    );
  }
  const missing = (
    [
      accessKeyId ? null : 'objectStore.accessKeyId',
      secretAccessKey ? null : 'objectStore.secretAccessKey',
    ] as const
  ).filter((x) => x !== null);
  if (missing.length > 0 || !accessKeyId || !secretAccessKey) {
    const [first, ...rest] = missing;
    throw new SyncError(
      'configuration',
      `Object storage is configured but the ${missing.map((k) => SETTINGS[k].label).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set.`,
      settingHint('Set the missing key setting(s).', first ?? 'objectStore.accessKeyId', ...rest),
    );
  }
  const partSizeMiB = intSetting(env, 'objectStore.partSizeMiB', 5, 5120) ?? s3File?.partSizeMiB;
  const resolved = resolveS3Config(preset, {
    endpoint,
    // Our own settings first, then the preset's rule (endpoint host, AWS_REGION / AWS_DEFAULT_REGION, default).
    region:
      env.BILANCIO_S3_REGION ?? s3File?.region ?? presetRegion(preset, endpoint, standardRegion(env))?.region,
    bucket: env.R2_BUCKET_NAME ?? s3File?.bucket,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: s3File?.forcePathStyle,
    partSizeBytes: partSizeMiB === undefined ? undefined : partSizeMiB * 1024 * 1024,
  });
  return {
    ...resolved,
    kind: 's3',
    preset,
    prefix: normalisePrefix(env.BILANCIO_S3_PREFIX ?? s3File?.prefix ?? ''),
    forcePathStyle: resolved.forcePathStyle ?? false,
  };
}

/** The first of the standard region variables (AWS_REGION, AWS_DEFAULT_REGION) that is set. */
function standardRegion(env: NodeJS.ProcessEnv): { variable: string; value: string } | undefined {
  for (const variable of SETTINGS['objectStore.region'].fallbackVariables ?? []) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
}

function resolveCatalog(
  env: NodeJS.ProcessEnv,
  file: ConfigFile | null,
  paths: AppPaths,
  secrets: Secrets,
): CatalogConfig {
  // A direct Postgres URL wins: it can also apply the schema itself.
  if (env.BILANCIO_DATABASE_URL) return { kind: 'postgres', url: env.BILANCIO_DATABASE_URL };
  if (env.SUPABASE_URL || env.SUPABASE_KEY) {
    if (!env.SUPABASE_URL || !env.SUPABASE_KEY) {
      const missing = env.SUPABASE_URL ? 'SUPABASE_KEY' : 'SUPABASE_URL';
      throw new SyncError(
        'configuration',
        `Supabase is half configured: its ${missing === 'SUPABASE_KEY' ? 'key' : 'project URL'} is not set.`,
        settingHint(
          'Set both the Supabase URL and key (see "Supabase setup" in the README), or neither.',
          missing === 'SUPABASE_KEY' ? 'catalog.key' : 'catalog.url',
        ),
      );
    }
    if (!/^https?:\/\//.test(env.SUPABASE_URL)) {
      throw new SyncError(
        'configuration',
        `The Supabase URL "${env.SUPABASE_URL}" is not an http(s) URL.`,
        settingHint('It looks like https://<project>.supabase.co.', 'catalog.url'),
      );
    }
    return { kind: 'supabase', url: env.SUPABASE_URL, key: env.SUPABASE_KEY };
  }
  const c = file?.catalog;
  if (c?.kind === 'postgres') {
    const url = secrets['catalog.databaseUrl'] ?? c.url;
    if (!url)
      throw new SyncError(
        'configuration',
        'The catalog is set to PostgreSQL but its URL is not set.',
        settingHint('Enter the PostgreSQL URL of the catalog.', 'catalog.databaseUrl'),
      );
    return { kind: 'postgres', url };
  }
  if (c?.kind === 'supabase') {
    const key = secrets['catalog.key'] ?? c.key;
    if (!key)
      throw new SyncError(
        'configuration',
        `The catalog is set to Supabase (${c.url}) but its key is not set.`,
        settingHint("Enter the project's service_role key.", 'catalog.key'),
      );
    return { kind: 'supabase', url: c.url, key };
  }
  const path = env.BILANCIO_SYNC_CATALOG_PATH ?? (c?.kind === 'sqlite' ? c.path : undefined);
  return { kind: 'sqlite', path: path ?? join(paths.dataDir, 'catalog.sqlite') };
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

function intSetting(env: NodeJS.ProcessEnv, key: SettingKey, min: number, max: number): number | undefined {
  const name = SETTINGS[key].variables[0]!;
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SyncError(
      'configuration',
      `The ${SETTINGS[key].label} is "${raw}"; it must be a whole number from ${min} to ${max}.`,
      settingHint('Fix it, or unset it for the default.', key),
    );
  }
  return n;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** An on/off setting as text (an environment variable, a draft's field): true, false, or undefined if it isn't one. */
export function parseBoolean(raw: string): boolean | undefined {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

function boolSetting(env: NodeJS.ProcessEnv, key: SettingKey): boolean | undefined {
  const name = SETTINGS[key].variables[0]!;
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = parseBoolean(raw);
  if (value === undefined) {
    throw new SyncError(
      'configuration',
      `The ${SETTINGS[key].label} setting is "${raw}"; it must be on or off (1/0, true/false, yes/no, on/off).`,
      settingHint('Fix it, or unset it for the default (on).', key),
    );
  }
  return value;
}

function notificationsSetting(env: NodeJS.ProcessEnv): NotificationPreference | undefined {
  const name = SETTINGS.notifications.variables[0]!;
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = raw.trim().toLowerCase();
  if (isNotificationPreference(value)) return value;
  throw new SyncError(
    'configuration',
    `The notifications setting is "${raw}"; it must be one of ${NOTIFICATION_PREFERENCES.join(', ')}.`,
    settingHint('Fix it, or unset it for the default (all).', 'notifications'),
  );
}

function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Query parameters and libpq keywords that carry a secret (`?password=`, `sslpassword=`, `?token=` …). */
const SECRET_PARAM = /pass|secret|token|key|signature|credential|auth/i;

/**
 * A connection string as it may be shown: the password of the user-info and every query parameter that
 * looks like a secret replaced by ****. A libpq keyword string (`host=… password=…`) is handled too; what
 * can't be parsed is not shown at all.
 */
export function redactUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url.trim())) return redactKeywords(url);
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    for (const name of [...u.searchParams.keys()]) {
      if (SECRET_PARAM.test(name)) u.searchParams.set(name, '****');
    }
    return u.toString().replaceAll('%2A%2A%2A%2A', '****');
  } catch {
    return '(unparseable URL)';
  }
}

function redactKeywords(conninfo: string): string {
  if (!/\w+\s*=/.test(conninfo)) return '(unparseable URL)';
  return conninfo.replace(/(\w+)(\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/g, (whole, name: string, eq: string) =>
    SECRET_PARAM.test(name) ? `${name}${eq}****` : whole,
  );
}
