import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppContext, openApp } from '../../src/core/app.js';
import { loadConfig } from '../../src/core/config/loadConfig.js';
import type { TestS3 } from './s3.js';

/**
 * An app configured the way a researcher configures the cloud: the R2_* variables pointing at the test
 * S3 server, and either BILANCIO_DATABASE_URL or SUPABASE_URL/SUPABASE_KEY for the catalog.
 */
export async function openCloudApp(
  s3: TestS3,
  catalogEnv: Record<string, string>,
): Promise<AppContext & { home: string; dispose(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'bsync-cloud-home-'));
  const env = {
    BILANCIO_SYNC_HOME: home,
    BILANCIO_SYNC_SETTLE_SECONDS: '0',
    R2_ENDPOINT_URL: s3.endpoint,
    R2_ACCESS_KEY_ID: s3.accessKeyId,
    R2_SECRET_ACCESS_KEY: s3.secretAccessKey,
    R2_BUCKET_NAME: s3.bucket,
    BILANCIO_S3_REGION: s3.region,
    BILANCIO_S3_PRESET: 'custom',
    BILANCIO_S3_PREFIX: s3.prefix,
    ...catalogEnv,
  };
  const app = await openApp(loadConfig({ env, cwd: home }));
  return Object.assign(app, {
    home,
    async dispose() {
      await app.close();
      await rm(home, { recursive: true, force: true });
    },
  });
}
