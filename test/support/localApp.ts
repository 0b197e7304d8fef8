import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/loadConfig.js';
import { type AppContext, openApp } from './openApp.js';

/** An app on the embedded default (local folder + SQLite catalog) in a fresh temp home. */
export async function openLocalApp(
  extraEnv: Record<string, string> = {},
): Promise<AppContext & { home: string; dispose(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'bsync-home-'));
  const env = { BILANCIO_SYNC_HOME: home, BILANCIO_SYNC_SETTLE_SECONDS: '0', ...extraEnv };
  const app = await openApp(loadConfig({ env, cwd: home }));
  return Object.assign(app, {
    home,
    async dispose() {
      await app.close();
      await rm(home, { recursive: true, force: true });
    },
  });
}
