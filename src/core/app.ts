import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AppConfig, loadConfig } from './config/loadConfig.js';
import { SyncEngine } from './engine/SyncEngine.js';
import { Journal } from './journal/Journal.js';
import type { Catalog } from './stores/Catalog.js';
import { createCatalog, createObjectStore } from './stores/createStores.js';
import type { ObjectStore } from './stores/ObjectStore.js';

/** Everything a shell (CLI, desktop app, browser mode) needs, wired from one configuration. */
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
