/**
 * The engine process: runs SyncEngine.syncSweep for the service (OffloadedEngine) so reading, hashing,
 * parsing CSVs and writing the catalog never hold up the service's event loop, which keeps answering the
 * window. It opens its own connections to the store, the catalog and the journal's file-hash cache
 * (SQLite in WAL mode: the service reads while this writes); recording what a sync means for the sweep
 * stays with the service (syncRecorded). One process, several syncs at a time if asked.
 */
import './backgroundPriority.js';
import type { AppConfig } from '../config/loadConfig.js';
import { createSyncEngine } from '../engine/createSyncEngine.js';
import type { SyncEngine } from '../engine/SyncEngine.js';
import { Journal } from '../journal/Journal.js';
import type { Catalog } from '../stores/Catalog.js';
import { createCatalog, createObjectStore } from '../stores/createStores.js';
import type { ObjectStore } from '../stores/ObjectStore.js';
import type { FromEngine, ToEngine } from './protocol.js';
import { errorToWire } from './wireErrors.js';

interface Opened {
  engine: SyncEngine;
  store: ObjectStore;
  catalog: Catalog;
  journal: Journal;
}

const send = (m: FromEngine): void => {
  process.send?.(m);
};

let config: AppConfig | null = null;
/** Opened on the first sync; a destination that failed to open is tried again by the next one. */
let opening: Promise<Opened> | null = null;
const running = new Map<number, AbortController>();

async function open(config: AppConfig): Promise<Opened> {
  const journal = Journal.open(config.journalPath);
  let store: ObjectStore | undefined;
  let catalog: Catalog | undefined;
  try {
    store = await createObjectStore(config.objectStore);
    catalog = await createCatalog(config.catalog);
    await catalog.open();
    return { engine: createSyncEngine(config, { store, catalog, journal }), store, catalog, journal };
  } catch (e) {
    await catalog?.close().catch(() => {});
    await store?.close().catch(() => {});
    journal.close();
    throw e;
  }
}

async function sync(id: number, path: string, options: ToEngine & { type: 'sync' }): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    const { engine } = await opened();
    const outcome = await engine.syncSweep(path, {
      ...options.options,
      signal: controller.signal,
      onEvent: (event) => send({ type: 'event', id, event }),
    });
    send({ type: 'result', id, outcome });
  } catch (e) {
    send({ type: 'error', id, error: errorToWire(e) });
  } finally {
    running.delete(id);
  }
}

function opened(): Promise<Opened> {
  if (!config) return Promise.reject(new Error('The engine process was not given its configuration.'));
  opening ??= open(config).catch((e: unknown) => {
    opening = null;
    throw e;
  });
  return opening;
}

async function close(): Promise<void> {
  for (const c of running.values()) c.abort();
  const open = await opening?.catch(() => null);
  if (open) {
    await Promise.allSettled([open.store.close(), open.catalog.close()]);
    open.journal.close();
  }
  process.disconnect?.();
}

process.on('message', (m: ToEngine) => {
  switch (m.type) {
    case 'init':
      config = m.config;
      break;
    case 'sync':
      void sync(m.id, m.path, m);
      break;
    case 'abort':
      running.get(m.id)?.abort(new Error('Cancelled'));
      break;
    case 'close':
      void close();
      break;
  }
});
// The service went away without saying goodbye (it crashed or was killed): nothing to sync for.
process.on('disconnect', () => {
  for (const c of running.values()) c.abort();
  setTimeout(() => process.exit(0), 2000).unref();
});
