import { z } from 'zod';
import { notificationPreferenceSchema } from '../../shared/notifications.js';

/**
 * The config file (`config.json` in the config folder, or the file named by BILANCIO_SYNC_CONFIG).
 * Every field is optional: environment variables fill in, the embedded default covers the rest.
 * Secrets may be given here or in the environment; they are never printed back.
 */
export const configFileSchema = z
  .object({
    owner: z.string().min(1).optional(),
    objectStore: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('local'), root: z.string().min(1).optional() }).strict(),
        z
          .object({
            kind: z.literal('s3'),
            preset: z.enum(['r2', 'b2', 'aws', 'minio', 'custom']).optional(),
            endpoint: z.url().optional(),
            region: z.string().min(1).optional(),
            bucket: z.string().min(3).optional(),
            prefix: z.string().optional(),
            accessKeyId: z.string().min(1).optional(),
            secretAccessKey: z.string().min(1).optional(),
            forcePathStyle: z.boolean().optional(),
            partSizeMiB: z.number().int().min(5).max(5120).optional(),
          })
          .strict(),
      ])
      .optional(),
    catalog: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('sqlite'), path: z.string().min(1).optional() }).strict(),
        // The URL (it may hold a password) and the Supabase key may live in the SecretStore instead.
        z.object({ kind: z.literal('postgres'), url: z.string().min(1).optional() }).strict(),
        z.object({ kind: z.literal('supabase'), url: z.url(), key: z.string().min(1).optional() }).strict(),
      ])
      .optional(),
    compressionLevel: z.number().int().min(0).max(9).optional(),
    archiveConcurrency: z.number().int().min(1).max(16).optional(),
    settleSeconds: z.number().min(0).optional(),
    /** Sync finished sweeps by themselves (default true); off: they wait, queued, for "Sync now". */
    autoSync: z.boolean().optional(),
    /** Archive and upload each branch's run data too (default true); off: the aggregates only. */
    includeRunData: z.boolean().optional(),
    /** Which desktop notifications to show (default all). */
    notifications: notificationPreferenceSchema.optional(),
    /** Where the window or `settings.save` put the secrets, so that reading them needs no keychain probe. */
    secretStore: z.enum(['keychain', 'file']).optional(),
    /** Experiments folders the app watches. */
    watchedFolders: z.array(z.string().min(1)).optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
