import { openLocalApp } from './localApp.js';
import type { AppContext } from './openApp.js';
import type { TestS3 } from './s3.js';

/** The variables a researcher sets for S3-compatible storage, pointing at a test S3 server. */
export function s3Env(s3: TestS3): Record<string, string> {
  return {
    R2_ENDPOINT_URL: s3.endpoint,
    R2_ACCESS_KEY_ID: s3.accessKeyId,
    R2_SECRET_ACCESS_KEY: s3.secretAccessKey,
    R2_BUCKET_NAME: s3.bucket,
    BILANCIO_S3_REGION: s3.region,
    BILANCIO_S3_PRESET: 'custom',
    BILANCIO_S3_PREFIX: s3.prefix,
  };
}

/**
 * An app configured the way a researcher configures the cloud: the R2_* variables pointing at the test
 * S3 server, and either BILANCIO_DATABASE_URL or SUPABASE_URL/SUPABASE_KEY for the catalog.
 */
export function openCloudApp(
  s3: TestS3,
  catalogEnv: Record<string, string>,
): Promise<AppContext & { home: string; dispose(): Promise<void> }> {
  return openLocalApp({ ...s3Env(s3), ...catalogEnv });
}
