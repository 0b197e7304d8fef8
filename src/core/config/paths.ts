import { join } from 'node:path';
import envPaths from 'env-paths';

/**
 * Where Bilancio Sync keeps its own files. One place for the CLI and the desktop app, so that both see
 * the same journal. `BILANCIO_SYNC_HOME` moves everything (tests, portable installs, HPC scratch).
 */
export interface AppPaths {
  /** Journal, embedded catalog, default archive folder. */
  dataDir: string;
  /** config.json and .env. */
  configDir: string;
}

export function appPaths(env: NodeJS.ProcessEnv = process.env): AppPaths {
  const home = env.BILANCIO_SYNC_HOME;
  if (home) return { dataDir: join(home, 'data'), configDir: home };
  const p = envPaths('bilancio-sync', { suffix: '' });
  return { dataDir: p.data, configDir: p.config };
}
