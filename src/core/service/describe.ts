/** The destinations in words and fields, without any secret: what status and the window show. */
import type { z } from 'zod';
import type { destinationsSchema } from '../../shared/commands.js';
import type { AppConfig } from '../config/loadConfig.js';
import { redactUrl } from '../config/loadConfig.js';

export function describeDestinations(config: AppConfig): z.infer<typeof destinationsSchema> {
  const s = config.objectStore;
  const c = config.catalog;
  return {
    objectStore:
      s.kind === 'local'
        ? {
            kind: 'local',
            description: `local folder ${s.root}`,
            preset: null,
            endpoint: null,
            bucket: null,
            prefix: null,
            root: s.root,
          }
        : {
            kind: 's3',
            description: `bucket ${s.bucket}${s.prefix ? `/${s.prefix}` : ''} at ${s.endpoint ?? `AWS S3 ${s.region}`}`,
            preset: s.preset,
            endpoint: s.endpoint ?? null,
            bucket: s.bucket,
            prefix: s.prefix || null,
            root: null,
          },
    catalog: {
      kind: c.kind,
      description:
        c.kind === 'sqlite'
          ? `SQLite file ${c.path}`
          : c.kind === 'postgres'
            ? `PostgreSQL ${redactUrl(c.url)}`
            : `Supabase ${c.url}`,
    },
    owner: config.owner,
    journal: config.journalPath,
  };
}
