/**
 * Settings as the window and `settings.*` commands see them: each setting's value in force (never a
 * secret's), whether it is set and where from (environment, .env, keychain, secrets file, config.json,
 * default), and which ones the environment locks. Saving writes config.json (atomically) and puts secrets
 * in the SecretStore — never in config.json; validating and testing work on a draft without saving.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type EditableSetting,
  SECRET_SETTINGS,
  type SecretSetting,
  type SettingChanges,
  type SettingsView,
} from '../../shared/commands.js';
import { SETTING_KEYS, type SettingKey } from '../../shared/errors.js';
import { isNotificationPreference, NOTIFICATION_PREFERENCES } from '../../shared/notifications.js';
import {
  type AppConfig,
  configLocation,
  loadConfig,
  parseBoolean,
  readConfigFile,
} from '../config/loadConfig.js';
import { type ConfigFile, configFileSchema } from '../config/schema.js';
import { SETTINGS } from '../config/settingsRegistry.js';
import { isSyncError, SyncError, toSyncError } from '../model/errors.js';
import { openHeadlessSecretStore } from '../secrets/openHeadlessSecretStore.js';
import type { SecretStore } from '../secrets/SecretStore.js';
import { describeDestinations } from './describe.js';
import type { Resources } from './Resources.js';

const isSecret = (k: SettingKey): k is SecretSetting => (SECRET_SETTINGS as readonly string[]).includes(k);

type Value = string | number | boolean;
type Flat = Partial<Record<SettingKey, Value>>;

/** config.json → one value per setting key. */
function flatten(file: ConfigFile | null): Flat {
  const out: Flat = {};
  if (!file) return out;
  for (const key of SETTING_KEYS) {
    const path = SETTINGS[key].file;
    if (path.length === 0) continue;
    let v: unknown = file;
    for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
  }
  // catalog.url holds a PostgreSQL catalog's URL in config.json; the settings call it catalog.databaseUrl.
  if (file.catalog?.kind === 'postgres') {
    if (out['catalog.url'] !== undefined) out['catalog.databaseUrl'] = out['catalog.url'];
    delete out['catalog.url'];
  }
  return out;
}

/** One value per setting key → config.json (secrets left out: they go to the SecretStore). */
function unflatten(flat: Flat, keep: ConfigFile | null): ConfigFile {
  const out: Record<string, unknown> = {};
  if (keep?.secretStore) out.secretStore = keep.secretStore;
  if (keep?.watchedFolders) out.watchedFolders = keep.watchedFolders;
  for (const key of SETTING_KEYS) {
    const v = flat[key];
    if (v === undefined || isSecret(key) || key === 'configFile') continue;
    const path = SETTINGS[key].file;
    let at = out;
    for (const p of path.slice(0, -1)) {
      at[p] ??= {};
      at = at[p] as Record<string, unknown>;
    }
    at[path[path.length - 1]!] = v;
  }
  const store = out.objectStore as Record<string, unknown> | undefined;
  if (store && store.kind === undefined) store.kind = store.root !== undefined ? 'local' : 's3';
  if (store?.kind === 'local')
    for (const k of Object.keys(store)) if (!['kind', 'root'].includes(k)) delete store[k];
  const catalog = out.catalog as Record<string, unknown> | undefined;
  if (catalog && catalog.kind === undefined) catalog.kind = catalog.url !== undefined ? 'supabase' : 'sqlite';
  if (catalog?.kind === 'sqlite') delete catalog.url;
  if (catalog?.kind === 'postgres') delete catalog.url;
  if (catalog?.kind === 'supabase') delete catalog.path;
  return out as ConfigFile;
}

const NUMERIC: ReadonlySet<SettingKey> = new Set([
  'objectStore.partSizeMiB',
  'compressionLevel',
  'archiveConcurrency',
  'settleSeconds',
]);

const BOOLEAN: ReadonlySet<SettingKey> = new Set(['autoSync', 'includeRunData']);

function coerce(key: SettingKey, value: Value): Value {
  if (BOOLEAN.has(key)) {
    const b = typeof value === 'boolean' ? value : parseBoolean(String(value));
    if (b === undefined) {
      throw new SyncError('usage', `${SETTINGS[key].label} must be on or off, not "${value}".`, undefined, {
        field: key,
      });
    }
    return b;
  }
  if (key === 'notifications') {
    const v = String(value).trim().toLowerCase();
    if (!isNotificationPreference(v)) {
      throw new SyncError(
        'usage',
        `Notifications must be one of ${NOTIFICATION_PREFERENCES.join(', ')}, not "${value}".`,
        undefined,
        { field: key },
      );
    }
    return v;
  }
  if (typeof value === 'boolean') {
    throw new SyncError('usage', `${SETTINGS[key].label} must be text or a number.`, undefined, {
      field: key,
    });
  }
  if (!NUMERIC.has(key) || typeof value === 'number') return value;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new SyncError('usage', `${SETTINGS[key].label} must be a number, not "${value}".`, undefined, {
      field: key,
    });
  }
  return n;
}

export class Settings {
  private writable: Promise<{ store: SecretStore; reason: string }> | null = null;

  constructor(private readonly resources: Resources) {}

  private where() {
    return configLocation({ env: this.resources.env, cwd: this.resources.options.cwd });
  }

  /** The store secrets are read from now, or (to save one) the store to use: injected, else probed. */
  private async secretStore(forWriting: boolean): Promise<{ store: SecretStore | null; reason: string }> {
    const where = this.where();
    const file = readConfigFile(where.configPath, false);
    const inUse = this.resources.secretStoreInUse(where.paths.configDir, file?.secretStore);
    if (inUse || !forWriting) return { store: inUse, reason: inUse?.description ?? 'no secrets saved yet' };
    this.writable ??= openHeadlessSecretStore({ configDir: where.paths.configDir, env: this.resources.env });
    return this.writable;
  }

  async view(): Promise<SettingsView> {
    const where = this.where();
    const file = readConfigFile(where.configPath, Boolean(where.env.BILANCIO_SYNC_CONFIG));
    const flat = flatten(file);
    const { store } = await this.secretStore(false);
    const inStore = new Set(store ? await store.names() : []);
    let config: AppConfig | null = null;
    let problem: SyncError | null = null;
    try {
      config = await this.resources.config();
    } catch (e) {
      problem = toSyncError(e);
    }
    const settings = SETTING_KEYS.map((key) => {
      const spec = SETTINGS[key];
      const variable = spec.variables.find((v) => where.env[v] !== undefined) ?? null;
      const fromEnv = variable !== null;
      const source = fromEnv
        ? where.fromDotenv.has(variable)
          ? ('dotenv' as const)
          : ('environment' as const)
        : isSecret(key) && inStore.has(key)
          ? store?.kind === 'keychain'
            ? ('keychain' as const)
            : store?.kind === 'safe-storage'
              ? ('safe-storage' as const)
              : ('secrets-file' as const)
          : flat[key] !== undefined || (key === 'configFile' && file)
            ? ('config-file' as const)
            : ('default' as const);
      const value = spec.secret ? null : effectiveValue(key, config, where.configPath);
      return {
        key,
        value,
        secret: spec.secret,
        set: source !== 'default',
        source,
        variable: spec.variables[0] ?? null,
        locked: fromEnv,
      };
    });
    return {
      settings,
      configFile: where.configPath,
      secretStore: store
        ? { kind: store.kind, description: store.description }
        : {
            kind: 'file',
            description:
              'none yet: a secret saved here goes to the system keychain, or to a file only you can read',
          },
      destinations: config ? describeDestinations(config) : null,
      problem: problem ? problem.toAppError() : null,
    };
  }

  /** The settings that would be in force after `changes` (nothing is written). */
  private draft(changes: SettingChanges): {
    file: ConfigFile;
    secrets: Partial<Record<SecretSetting, string | null>>;
  } {
    const where = this.where();
    const current = readConfigFile(where.configPath, false);
    const flat = flatten(current);
    const secrets: Partial<Record<SecretSetting, string | null>> = {};
    for (const [k, v] of Object.entries(changes) as Array<[EditableSetting, Value | null]>) {
      if (isSecret(k)) {
        if (v !== null && typeof v !== 'string')
          throw new SyncError('usage', `${SETTINGS[k].label} must be text.`, undefined, { field: k });
        secrets[k] = v;
        continue;
      }
      if (v === null) delete flat[k];
      else flat[k] = coerce(k, v);
    }
    const file = unflatten(flat, current);
    const parsed = configFileSchema.safeParse(file);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.join('.');
      const key = SETTING_KEYS.find((k) => SETTINGS[k].file.join('.') === path) ?? 'configFile';
      throw new SyncError('usage', `${SETTINGS[key].label}: ${issue.message}`, undefined, { field: key });
    }
    return { file: parsed.data, secrets };
  }

  private async configFor(changes: SettingChanges): Promise<AppConfig> {
    const { file, secrets } = this.draft(changes);
    const { store } = await this.secretStore(false);
    const current: Partial<Record<SecretSetting, string>> = {};
    for (const name of SECRET_SETTINGS) {
      const v = name in secrets ? secrets[name] : store ? await store.get(name) : null;
      if (v) current[name] = v;
    }
    return loadConfig({ env: this.resources.env, cwd: this.resources.options.cwd, secrets: current, file });
  }

  async validate(changes: SettingChanges): Promise<{
    ok: boolean;
    problems: Array<{ key: SettingKey; message: string }>;
    locked: SettingKey[];
  }> {
    const where = this.where();
    const locked = (Object.keys(changes) as SettingKey[]).filter((k) =>
      SETTINGS[k].variables.some((v) => where.env[v] !== undefined),
    );
    const problems: Array<{ key: SettingKey; message: string }> = [];
    try {
      await this.configFor(changes);
    } catch (e) {
      if (!isSyncError(e)) throw e;
      const key =
        (e.field as SettingKey | undefined) ??
        (e.action?.kind === 'fix-setting' ? e.action.settings[0] : undefined) ??
        'configFile';
      problems.push({ key, message: e.hint ? `${e.message} ${e.hint}` : e.message });
    }
    return { ok: problems.length === 0, problems, locked };
  }

  /** Validate, then write: config.json atomically, secrets to the SecretStore. Returns the changed keys. */
  async save(changes: SettingChanges): Promise<string[]> {
    const checked = await this.validate(changes);
    if (!checked.ok) {
      const p = checked.problems[0]!;
      throw new SyncError('usage', p.message, undefined, { field: p.key, code: 'setting-invalid' });
    }
    const { file, secrets } = this.draft(changes);
    const secretNames = Object.keys(secrets) as SecretSetting[];
    if (secretNames.length > 0) {
      const { store } = await this.secretStore(true);
      if (!store) throw new SyncError('internal', 'No secret store to save to.');
      for (const name of secretNames) {
        const v = secrets[name];
        if (v === null || v === undefined || v === '') await store.delete(name);
        else await store.set(name, v);
      }
      if (store.kind === 'keychain' || store.kind === 'file') file.secretStore = store.kind;
    }
    writeConfigFile(this.where().configPath, file);
    if (appliesLive(changes)) this.resources.reloadConfig();
    else await this.resources.reload();
    return Object.keys(changes);
  }

  /** The configuration a draft would give, for a connection test before saving. */
  async draftConfig(changes: SettingChanges): Promise<AppConfig> {
    return this.configFor(changes);
  }

  async watchedFolders(): Promise<string[]> {
    const file = readConfigFile(this.where().configPath, false);
    return file?.watchedFolders ?? [];
  }

  async setWatchedFolders(folders: string[]): Promise<void> {
    const path = this.where().configPath;
    const file = readConfigFile(path, false) ?? {};
    writeConfigFile(path, { ...file, watchedFolders: folders });
    await this.resources.reload();
  }
}

/**
 * Settings that take effect without reopening the destinations or restarting the watcher (which would
 * abort an upload in flight, to be re-queued): the notification preference is read where notifications
 * are shown, auto-sync is switched on the running watcher (WatchService.setAutoSync).
 */
const LIVE_SETTINGS: ReadonlySet<string> = new Set(['notifications', 'autoSync']);

export function appliesLive(changes: SettingChanges): boolean {
  return Object.keys(changes).every((k) => LIVE_SETTINGS.has(k));
}

function effectiveValue(key: SettingKey, config: AppConfig | null, configPath: string): Value | null {
  if (key === 'configFile') return configPath;
  if (!config) return null;
  const s = config.objectStore;
  const c = config.catalog;
  switch (key) {
    case 'owner':
      return config.owner;
    case 'objectStore.kind':
      return s.kind;
    case 'objectStore.root':
      return s.kind === 'local' ? s.root : null;
    case 'objectStore.preset':
      return s.kind === 's3' ? s.preset : null;
    case 'objectStore.endpoint':
      return s.kind === 's3' ? (s.endpoint ?? null) : null;
    case 'objectStore.region':
      return s.kind === 's3' ? s.region : null;
    case 'objectStore.bucket':
      return s.kind === 's3' ? s.bucket : null;
    case 'objectStore.prefix':
      return s.kind === 's3' ? s.prefix : null;
    case 'objectStore.partSizeMiB':
      return s.kind === 's3' && s.partSizeBytes ? s.partSizeBytes / 1024 / 1024 : null;
    case 'catalog.kind':
      return c.kind;
    case 'catalog.path':
      return c.kind === 'sqlite' ? c.path : null;
    case 'catalog.url':
      return c.kind === 'supabase' ? c.url : null;
    case 'compressionLevel':
      return config.compressionLevel;
    case 'archiveConcurrency':
      return config.archiveConcurrency;
    case 'settleSeconds':
      return config.settleMs / 1000;
    case 'autoSync':
      return config.autoSync;
    case 'includeRunData':
      return config.includeRunData;
    case 'notifications':
      return config.notifications;
    default:
      return null;
  }
}

/** Temp file + rename: a crash leaves the old config.json or the new one, never half of one. */
function writeConfigFile(path: string, file: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o644 });
  renameSync(tmp, path);
}
