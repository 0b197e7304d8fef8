import type { CatalogConfig, ObjectStoreConfig } from '../config/loadConfig.js';
import type { Catalog } from './Catalog.js';
import { LocalFolderObjectStore } from './LocalFolderObjectStore.js';
import type { ObjectStore } from './ObjectStore.js';
import { PostgresCatalog } from './PostgresCatalog.js';
import { S3ObjectStore } from './S3ObjectStore.js';
import { SqliteCatalog } from './SqliteCatalog.js';
import { SupabaseCatalog } from './SupabaseCatalog.js';

/**
 * The one place that maps configuration to implementations: the engine only ever sees the ObjectStore
 * and Catalog interfaces. A new backend is one entry here.
 */
const objectStores: {
  [K in ObjectStoreConfig['kind']]: (c: Extract<ObjectStoreConfig, { kind: K }>) => ObjectStore;
} = {
  local: (c) => new LocalFolderObjectStore(c.root),
  s3: (c) => new S3ObjectStore(c),
};

const catalogs: { [K in CatalogConfig['kind']]: (c: Extract<CatalogConfig, { kind: K }>) => Catalog } = {
  sqlite: (c) => new SqliteCatalog(c.path),
  postgres: (c) => new PostgresCatalog(c.url),
  supabase: (c) => new SupabaseCatalog({ url: c.url, key: c.key }),
};

export function createObjectStore(config: ObjectStoreConfig): ObjectStore {
  return (objectStores[config.kind] as (c: ObjectStoreConfig) => ObjectStore)(config);
}

export function createCatalog(config: CatalogConfig): Catalog {
  return (catalogs[config.kind] as (c: CatalogConfig) => Catalog)(config);
}
