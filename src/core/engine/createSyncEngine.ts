/** A SyncEngine on opened destinations, with the engine settings taken from the configuration — the
 *  one place both the service (in process) and the engine process build it. */
import type { AppConfig } from '../config/loadConfig.js';
import type { Catalog } from '../stores/Catalog.js';
import type { ObjectStore } from '../stores/ObjectStore.js';
import { SyncEngine, type SyncEngineDeps } from './SyncEngine.js';

export function createSyncEngine(
  config: AppConfig,
  opened: { store: ObjectStore; catalog: Catalog; journal: SyncEngineDeps['journal'] },
): SyncEngine {
  return new SyncEngine({
    ...opened,
    owner: config.owner,
    sourceHost: config.sourceHost,
    compressionLevel: config.compressionLevel,
    archiveConcurrency: config.archiveConcurrency,
    settleMs: config.settleMs,
    lockDir: config.paths.dataDir,
  });
}
