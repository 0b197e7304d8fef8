import type { CatalogConfig, ObjectStoreConfig } from '../model/destinations.js';
import type { Catalog } from './Catalog.js';
import type { ObjectStore } from './ObjectStore.js';

/**
 * The one place that maps configuration to implementations: the engine only ever sees the ObjectStore
 * and Catalog interfaces. A new backend is one entry here. Backends are imported on first use, so the
 * CLI doesn't load the AWS SDK, pg and supabase-js to talk to a local folder.
 */
type Factory<C> = (config: C) => Promise<unknown>;

const objectStores: { [K in ObjectStoreConfig['kind']]: Factory<Extract<ObjectStoreConfig, { kind: K }>> } = {
  local: async (c) => new (await import('./LocalFolderObjectStore.js')).LocalFolderObjectStore(c.root),
  s3: async (c) => new (await import('./S3ObjectStore.js')).S3ObjectStore(c),
};

const catalogs: { [K in CatalogConfig['kind']]: Factory<Extract<CatalogConfig, { kind: K }>> } = {
  sqlite: async (c) => new (await import('./SqliteCatalog.js')).SqliteCatalog(c.path),
  postgres: async (c) => new (await import('./PostgresCatalog.js')).PostgresCatalog(c.url),
  supabase: async (c) =>
    new (await import('./SupabaseCatalog.js')).SupabaseCatalog({ url: c.url, key: c.key }),
};

export async function createObjectStore(config: ObjectStoreConfig): Promise<ObjectStore> {
  return (await (objectStores[config.kind] as Factory<ObjectStoreConfig>)(config)) as ObjectStore;
}

export async function createCatalog(config: CatalogConfig): Promise<Catalog> {
  return (await (catalogs[config.kind] as Factory<CatalogConfig>)(config)) as Catalog;
}
