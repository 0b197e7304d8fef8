import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AppConfig, loadConfig } from '../../src/core/config/loadConfig.js';
import { SyncEngine } from '../../src/core/engine/SyncEngine.js';
import { Journal } from '../../src/core/journal/Journal.js';
import type { Catalog } from '../../src/core/stores/Catalog.js';
import { createCatalog, createObjectStore } from '../../src/core/stores/createStores.js';
import type { ObjectStore } from '../../src/core/stores/ObjectStore.js';

/** The engine wired from one configuration, for tests that drive it directly (shells use the AppService). */
export interface AppContext {
  config: AppConfig;
  journal: Journal;
  store: ObjectStore;
  catalog: Catalog;
  engine: SyncEngine;
  close(): Promise<void>;
}

export async function openApp(config: AppConfig = loadConfig()): Promise<AppContext> {
  mkdirSync(dirname(config.journalPath), { recursive: true });
  const journal = Journal.open(config.journalPath);
  const store = await createObjectStore(config.objectStore);
  const catalog = await createCatalog(config.catalog);
  try {
    await catalog.open();
  } catch (e) {
    journal.close();
    await store.close();
    throw e;
  }
  const engine = new SyncEngine({
    store,
    catalog,
    journal,
    owner: config.owner,
    sourceHost: config.sourceHost,
    compressionLevel: config.compressionLevel,
    archiveConcurrency: config.archiveConcurrency,
    settleMs: config.settleMs,
  });
  return {
    config,
    journal,
    store,
    catalog,
    engine,
    async close() {
      await Promise.allSettled([catalog.close(), store.close()]);
      journal.close();
    },
  };
}
