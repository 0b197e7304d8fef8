/**
 * What the service stands on, opened lazily and each on its own: the configuration (with the secrets
 * from the SecretStore), the journal, the object store, the catalog and the engine. Lazily, so that a
 * command uses only what it needs: `download`, `verify` and `revisions` work while the catalog is
 * unreachable, `status` works while both destinations are. A destination that failed to open is tried
 * again next time (it may be back).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SECRET_SETTINGS, type SecretSetting } from '../../shared/commands.js';
import { type AppConfig, configLocation, loadConfig, readConfigFile } from '../config/loadConfig.js';
import { createSyncEngine } from '../engine/createSyncEngine.js';
import type { SyncEngine } from '../engine/SyncEngine.js';
import { OffloadedEngine } from '../engineHost/OffloadedEngine.js';
import { Journal } from '../journal/Journal.js';
import { FileSecretStore, secretsFilePath } from '../secrets/FileSecretStore.js';
import { KeyringSecretStore } from '../secrets/KeyringSecretStore.js';
import type { SecretStore } from '../secrets/SecretStore.js';
import type { Catalog } from '../stores/Catalog.js';
import { createCatalog, createObjectStore } from '../stores/createStores.js';
import type { ObjectStore } from '../stores/ObjectStore.js';

export interface ResourceOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The desktop app's safeStorage store; headless shells leave it out (see secretStoreFor). */
  secretStore?: SecretStore;
  /** Run the engine in its own process (OffloadedEngine): shells with a window to keep responsive. */
  offloadEngine?: boolean;
}

/** What syncs a sweep: the engine in process, or in its own process. */
export type Engine = Pick<SyncEngine, 'syncSweep'>;

export class Resources {
  private cachedConfig: AppConfig | null = null;
  private cachedJournal: Journal | null = null;
  private storePromise: Promise<ObjectStore> | null = null;
  private catalogPromise: Promise<Catalog> | null = null;
  private cachedEngine: SyncEngine | null = null;
  private offloaded: OffloadedEngine | null = null;

  constructor(readonly options: ResourceOptions) {}

  get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  async config(): Promise<AppConfig> {
    if (this.cachedConfig) return this.cachedConfig;
    const where = configLocation({ env: this.env, cwd: this.options.cwd });
    const file = readConfigFile(where.configPath, Boolean(where.env.BILANCIO_SYNC_CONFIG));
    const store = this.secretStoreInUse(where.paths.configDir, file?.secretStore);
    const secrets: Partial<Record<SecretSetting, string>> = {};
    if (store) {
      for (const name of SECRET_SETTINGS) {
        const v = await store.get(name);
        if (v !== null) secrets[name] = v;
      }
    }
    this.cachedConfig = loadConfig({ env: this.env, cwd: this.options.cwd, secrets, file });
    return this.cachedConfig;
  }

  /** The store secrets were saved to (no keychain probe: config.json records which one was used). */
  secretStoreInUse(configDir: string, recorded: 'keychain' | 'file' | null | undefined): SecretStore | null {
    if (this.options.secretStore) return this.options.secretStore;
    if (recorded === 'keychain') return new KeyringSecretStore();
    if (recorded === 'file') return new FileSecretStore({ file: secretsFilePath(configDir) });
    return null;
  }

  /** The journal, created on first use (status reads it without touching any destination). */
  journal(config: AppConfig): Journal {
    if (!this.cachedJournal) {
      mkdirSync(dirname(config.journalPath), { recursive: true });
      this.cachedJournal = Journal.open(config.journalPath);
    }
    return this.cachedJournal;
  }

  async store(): Promise<ObjectStore> {
    const config = await this.config();
    this.storePromise ??= createObjectStore(config.objectStore).catch((e: unknown) => {
      this.storePromise = null;
      throw e;
    });
    return this.storePromise;
  }

  async catalog(): Promise<Catalog> {
    const config = await this.config();
    this.catalogPromise ??= (async () => {
      const catalog = await createCatalog(config.catalog);
      try {
        await catalog.open();
      } catch (e) {
        await catalog.close().catch(() => {});
        throw e;
      }
      return catalog;
    })().catch((e: unknown) => {
      this.catalogPromise = null;
      throw e;
    });
    return this.catalogPromise;
  }

  async engine(): Promise<Engine> {
    if (this.options.offloadEngine) {
      this.offloaded ??= new OffloadedEngine(await this.config());
      return this.offloaded;
    }
    if (this.cachedEngine) return this.cachedEngine;
    const config = await this.config();
    const [store, catalog] = await Promise.all([this.store(), this.catalog()]);
    this.cachedEngine = createSyncEngine(config, { store, catalog, journal: this.journal(config) });
    return this.cachedEngine;
  }

  /** Settings changed that no destination depends on: read the configuration again, keep the rest open. */
  reloadConfig(): void {
    this.cachedConfig = null;
  }

  /** Settings changed: close the destinations so the next use opens them with the new settings. */
  async reload(): Promise<void> {
    const open = [this.storePromise, this.catalogPromise];
    this.cachedConfig = null;
    this.storePromise = null;
    this.catalogPromise = null;
    this.cachedEngine = null;
    // Syncs already running in the engine process finish on the settings they started with.
    this.offloaded?.closeWhenIdle();
    this.offloaded = null;
    await closeAll(open);
  }

  async close(): Promise<void> {
    await closeAll([this.storePromise, this.catalogPromise]);
    this.storePromise = null;
    this.catalogPromise = null;
    this.cachedEngine = null;
    await this.offloaded?.close();
    this.offloaded = null;
    this.cachedJournal?.close();
    this.cachedJournal = null;
  }
}

async function closeAll(open: Array<Promise<ObjectStore | Catalog> | null>): Promise<void> {
  await Promise.allSettled(
    open.map(async (p) => {
      if (!p) return;
      const r = await p.catch(() => null);
      await r?.close();
    }),
  );
}
