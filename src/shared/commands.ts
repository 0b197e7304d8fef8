/**
 * The one map of commands every shell speaks (CLI, browser mode, Electron): each command's request and
 * response schema. The TypeScript types, the list of commands and the runtime checks all come from this
 * map (as Heroic's src/common/ipc/types.ts), so they can't drift apart: the service validates every
 * request with `request` (a bad one is a `usage` error naming the field) and the contract test checks
 * every response against `response`.
 */
import { z } from 'zod';
import { appErrorSchema, errorCategorySchema, hintSchema, settingKeySchema } from './errors.js';
import { appEventSchema, jobKindSchema, progressPhaseSchema } from './events.js';
import { pauseInfoSchema, sweepStateSchema, sweepTypeSchema } from './states.js';

const count = z.number().int().nonnegative();
const revision = z.number().int().positive();
const isoTime = z.string();
const sweepName = z.string().min(1).max(200);
const page = { limit: z.number().int().min(1).max(10_000).default(50), offset: count.default(0) };

// ---- shared shapes --------------------------------------------------------------------------------

export const destinationsSchema = z.object({
  objectStore: z.object({
    kind: z.enum(['local', 's3']),
    /** Plain words without secrets, e.g. "local folder /…/archive" or "s3 bucket b at host". */
    description: z.string(),
    preset: z.string().nullable(),
    endpoint: z.string().nullable(),
    bucket: z.string().nullable(),
    prefix: z.string().nullable(),
    root: z.string().nullable(),
  }),
  catalog: z.object({
    kind: z.enum(['sqlite', 'postgres', 'supabase']),
    description: z.string(),
  }),
  owner: z.string(),
  journal: z.string(),
});

export const localSweepSchema = z.object({
  name: z.string(),
  path: z.string(),
  sweepType: sweepTypeSchema.nullable(),
  state: sweepStateSchema,
  reason: z.string().nullable(),
  nextRetryAt: isoTime.nullable(),
  attempts: count,
  lastError: z.string().nullable(),
  updatedAt: isoTime,
});
export type LocalSweep = z.infer<typeof localSweepSchema>;

export const transferSchema = z.object({
  jobId: z.string().nullable(),
  kind: jobKindSchema,
  sweep: z.string(),
  path: z.string().nullable(),
  phase: progressPhaseSchema.nullable(),
  bytesDone: count,
  bytesTotal: count,
  bytesPerSecond: z.number().nonnegative().nullable(),
  etaSeconds: z.number().nonnegative().nullable(),
  object: z.object({ key: z.string(), bytesDone: count, bytesTotal: count }).nullable(),
});
export type Transfer = z.infer<typeof transferSchema>;

export const attemptResultSchema = z.enum(['synced', 'noop', 'restored', 'verified', 'failed', 'aborted']);
export const attemptSchema = z.object({
  id: z.number().int(),
  kind: jobKindSchema,
  sweep: z.string(),
  sweepPath: z.string().nullable(),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  /** null while it runs (or if the process died during it). */
  result: attemptResultSchema.nullable(),
  revision: z.number().int().nullable(),
  /** Bytes uploaded (sync), downloaded (restore) or checked (verify). */
  bytes: count,
  objects: count,
  durationMs: count.nullable(),
  error: z.string().nullable(),
  warnings: z.array(z.string()),
  /** A restore's target folder. */
  target: z.string().nullable(),
});
export type Attempt = z.infer<typeof attemptSchema>;

export const journalEventSchema = z.object({
  at: isoTime,
  level: z.enum(['info', 'warning', 'error']),
  kind: z.string(),
  sweep: z.string().nullable(),
  message: z.string(),
});

export const catalogSweepSchema = z.object({
  name: z.string(),
  owner: z.string(),
  sweepType: sweepTypeSchema,
  revision: z.number().int(),
  createdAt: isoTime,
  syncedAt: isoTime,
  pairsTotal: z.number().int().nullable(),
  pairsCompleted: z.number().int().nullable(),
  totalBytes: count,
  archiveBytes: count,
  sourceHost: z.string(),
});
export type CatalogSweepSummary = z.infer<typeof catalogSweepSchema>;

const jsonValue: z.ZodType<unknown> = z.unknown();

export const revisionSummarySchema = z.object({
  revision,
  syncedAt: isoTime,
  /** Run data (branch archives) included. */
  full: z.boolean(),
  files: count,
  bytes: count,
  comparisonRows: count.nullable(),
  warnings: z.array(z.string()),
  sourceHost: z.string(),
  sourcePath: z.string(),
});

export const manifestObjectSchema = z.object({
  key: z.string(),
  size: count,
  sha256: z.string(),
  kind: z.enum(['aggregate', 'archive']),
  branch: z.string().nullable(),
  files: count,
});

export const sweepDetailSchema = z.object({
  name: z.string(),
  /** The catalog's row; null when the catalog has none (or can't be reached: see catalogError). */
  catalog: catalogSweepSchema.extend({ config: jsonValue, summary: jsonValue }).nullable(),
  catalogError: appErrorSchema.nullable(),
  revisions: z.array(revisionSummarySchema),
  /** The shown revision's objects; its files are counted here and listed, page by page, by `sweeps.files`
   *  (a full sweep has tens of thousands). */
  revision: z.number().int().nullable(),
  objects: z.array(manifestObjectSchema),
  fileCount: count,
  fileBytes: count,
  /** Branches with run data in the shown revision (what a partial restore can take). */
  branches: z.array(z.string()),
  local: localSweepSchema.nullable(),
});
export type SweepDetail = z.infer<typeof sweepDetailSchema>;

export const sweepFileSchema = z.object({
  path: z.string(),
  size: count,
  sha256: z.string(),
  /** The object that holds it (an archive, or the file's own key). */
  object: z.string(),
});
export type SweepFile = z.infer<typeof sweepFileSchema>;

export const rowFilterSchema = z.object({
  column: z.string().min(1),
  /** eq/ne compare text; lt/le/gt/ge compare numbers; contains is case-insensitive text. */
  op: z.enum(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'contains', 'empty', 'not-empty']),
  value: z.string().default(''),
});
export type RowFilter = z.infer<typeof rowFilterSchema>;

const rowsRequest = z.object({
  sweep: sweepName,
  owner: z.string().min(1).optional(),
  /** Sorted by the column's numeric value where the cells are numbers (decimals stay text in the
   *  catalog: '10' sorts after '2'), else by text; empty cells last. */
  sort: z.object({ column: z.string().min(1), direction: z.enum(['asc', 'desc']).default('asc') }).optional(),
  filters: z.array(rowFilterSchema).default([]),
  ...page,
});
export type RowsRequest = z.input<typeof rowsRequest>;

const rowsResponse = z.object({
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), z.string().nullable())),
  /** Rows matching the filters (before paging). */
  total: count,
});
export type RowsPage = z.infer<typeof rowsResponse>;

export const restoreSelectionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('aggregates') }),
  z.object({ kind: z.literal('branches'), branches: z.array(z.string().min(1)).min(1) }),
]);
export type RestoreSelection = z.infer<typeof restoreSelectionSchema>;

export const syncResultSchema = z.object({
  sweep: z.string(),
  path: z.string(),
  result: z.enum(['synced', 'noop', 'dry-run']),
  revision,
  full: z.boolean(),
  bytesUploaded: count,
  objectsUploaded: count,
  objectsReused: count,
  warnings: z.array(z.string()),
  durationMs: count,
  objects: z.array(z.object({ key: z.string(), action: z.enum(['upload', 'reuse']), sourceBytes: count })),
});
export type SyncResultData = z.infer<typeof syncResultSchema>;

export const restoreResultSchema = z.object({
  sweep: z.string(),
  revision,
  outputPath: z.string(),
  files: count,
  bytes: count,
  full: z.boolean(),
  warnings: z.array(z.string()),
});

export const verifyReportSchema = z.object({
  sweep: z.string(),
  revision,
  objects: count,
  bytes: count,
  deep: z.boolean(),
  problems: z.array(z.object({ key: z.string(), problem: z.string() })),
  /** With repair: per damaged or missing object, repaired (re-uploaded from the local sweep) or not, and why. */
  repairs: z
    .array(z.object({ key: z.string(), result: z.enum(['repaired', 'not-repaired']), detail: z.string() }))
    .optional(),
});

export const jobSchema = z.object({
  id: z.string(),
  kind: jobKindSchema,
  sweep: z.string(),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  progress: transferSchema.nullable(),
  result: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('sync'), value: syncResultSchema }),
      z.object({ kind: z.literal('restore'), value: restoreResultSchema }),
      z.object({ kind: z.literal('verify'), value: verifyReportSchema }),
    ])
    .nullable(),
  error: appErrorSchema.nullable(),
});
export type Job = z.infer<typeof jobSchema>;

export const queueSchema = z.object({
  /** Whether this service hosts a watcher (else the queue is read from the journal's states). */
  watching: z.boolean(),
  waiting: z.array(z.object({ name: z.string(), path: z.string(), settlesAt: isoTime.nullable() })),
  /** `held`: auto-sync is off and nobody asked for it yet — it waits for "Sync now". */
  queued: z.array(z.object({ name: z.string(), path: z.string(), held: z.boolean() })),
  syncing: z.array(z.object({ name: z.string(), path: z.string() })),
  failed: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      reason: z.string().nullable(),
      nextRetryAt: isoTime.nullable(),
      attempts: count,
    }),
  ),
  incomplete: z.array(z.object({ name: z.string(), path: z.string(), reason: z.string().nullable() })),
  running: z.array(z.object({ name: z.string(), path: z.string(), reason: z.string().nullable() })),
  /** The auto-sync setting in force: off, queued sweeps wait for "Sync now" (or a one-shot sync). */
  autoSync: z.boolean(),
});

/** Settings the window and `settings.save` can change (secrets are write-only). */
export const SECRET_SETTINGS = [
  'objectStore.accessKeyId',
  'objectStore.secretAccessKey',
  'catalog.key',
  'catalog.databaseUrl',
] as const;
export type SecretSetting = (typeof SECRET_SETTINGS)[number];
export const editableSettingSchema = settingKeySchema.exclude(['configFile']);
export type EditableSetting = z.infer<typeof editableSettingSchema>;
/** The on/off settings: their values are true or false (every other setting is text or a number). */
export const BOOLEAN_SETTINGS = ['autoSync', 'includeRunData'] as const;
const isBooleanSetting = (k: string) => (BOOLEAN_SETTINGS as readonly string[]).includes(k);
/** A change: the new value, or null to clear the setting (back to the default). */
export const settingChangesSchema = z
  .partialRecord(editableSettingSchema, z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .superRefine((changes, ctx) => {
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined) continue;
      if (isBooleanSetting(k) !== (typeof v === 'boolean')) {
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: isBooleanSetting(k) ? 'must be true or false' : 'must be text or a number',
        });
      }
    }
  });
export type SettingChanges = z.infer<typeof settingChangesSchema>;

export const settingSourceSchema = z.enum([
  'environment',
  'dotenv',
  'keychain',
  /** The desktop app's store: encrypted by Electron safeStorage (the OS keychain's key). */
  'safe-storage',
  'secrets-file',
  'config-file',
  'default',
]);

export const settingViewSchema = z.object({
  key: settingKeySchema,
  /** The value in force; always null for a secret (never sent anywhere); a boolean for BOOLEAN_SETTINGS. */
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  secret: z.boolean(),
  /** Whether it is set anywhere (for a secret: "set · from the keychain"). */
  set: z.boolean(),
  source: settingSourceSchema,
  /** The environment variable that sets it, if it has one. */
  variable: z.string().nullable(),
  /** Set by the environment (or a .env file): saving a change can't override it. */
  locked: z.boolean(),
});

export const settingsViewSchema = z.object({
  settings: z.array(settingViewSchema),
  configFile: z.string(),
  secretStore: z.object({ kind: z.enum(['keychain', 'file', 'safe-storage']), description: z.string() }),
  destinations: destinationsSchema.nullable(),
  /** Why the settings in force can't be used as they are, if they can't. */
  problem: appErrorSchema.nullable(),
});
export type SettingsView = z.infer<typeof settingsViewSchema>;

export const checkResultSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string(),
  hint: hintSchema.nullable(),
  category: errorCategorySchema.nullable(),
  ms: count,
});

// ---- the map --------------------------------------------------------------------------------------

const empty = z.object({}).strict();

/**
 * A command's two schemas, each built the first time it is read: a shell validates the few commands it
 * sends, and zod builds schemas slowly enough that all sixty at start-up cost a short command (the CLI's
 * `status`) more than its own work.
 */
function lazyCommand<Q extends z.ZodType, R extends z.ZodType>(build: {
  request: () => Q;
  response: () => R;
}): { readonly request: Q; readonly response: R } {
  let request: Q | undefined;
  let response: R | undefined;
  return {
    get request() {
      request ??= build.request();
      return request;
    },
    get response() {
      response ??= build.response();
      return response;
    },
  };
}

export const commands = {
  'app.info': lazyCommand({
    request: () => empty,
    response: () => z.object({ name: z.string(), version: z.string(), platform: z.string() }),
  }),
  'status.overview': lazyCommand({
    request: () => z.object({ recent: z.number().int().min(0).max(1000).default(10) }).strict(),
    response: () =>
      z.object({
        destinations: destinationsSchema,
        pause: pauseInfoSchema.nullable(),
        watching: z.array(z.string()),
        counts: z.record(sweepStateSchema, count),
        transfers: z.array(transferSchema),
        sweeps: z.array(localSweepSchema),
        lastResults: z.array(attemptSchema),
        warnings: z.array(journalEventSchema),
        events: z.array(journalEventSchema),
        /** The auto-sync setting in force (the watcher's, when this service hosts one). */
        autoSync: z.boolean(),
      }),
  }),
  'queue.get': lazyCommand({ request: () => empty, response: () => queueSchema }),
  'history.list': lazyCommand({
    request: () =>
      z
        .object({
          sweep: z.string().min(1).optional(),
          kind: jobKindSchema.optional(),
          result: attemptResultSchema.optional(),
          ...page,
        })
        .strict(),
    response: () => z.object({ items: z.array(attemptSchema), total: count }),
  }),
  'sweeps.search': lazyCommand({
    request: () =>
      z
        .object({
          query: z.string().optional(),
          type: sweepTypeSchema.optional(),
          syncedAfter: isoTime.optional(),
          syncedBefore: isoTime.optional(),
          allOwners: z.boolean().default(false),
          ...page,
        })
        .strict(),
    response: () => z.object({ items: z.array(catalogSweepSchema), total: count }),
  }),
  'sweeps.get': lazyCommand({
    request: () =>
      z
        .object({ name: sweepName, owner: z.string().min(1).optional(), revision: revision.optional() })
        .strict(),
    response: () => sweepDetailSchema,
  }),
  'sweeps.files': lazyCommand({
    request: () =>
      z
        .object({
          name: sweepName,
          revision: revision.optional(),
          /** Case-insensitive part of a path. */
          filter: z.string().max(1000).optional(),
          ...page,
        })
        .strict(),
    response: () =>
      z.object({
        name: z.string(),
        revision: z.number().int(),
        /** Files matching the filter (before paging), in path order. */
        total: count,
        files: z.array(sweepFileSchema),
      }),
  }),
  'sweeps.revisions': lazyCommand({
    request: () => z.object({ name: sweepName }).strict(),
    response: () => z.object({ name: z.string(), revisions: z.array(revisionSummarySchema) }),
  }),
  'sweeps.comparisonRows': lazyCommand({ request: () => rowsRequest.strict(), response: () => rowsResponse }),
  'sweeps.registryRows': lazyCommand({ request: () => rowsRequest.strict(), response: () => rowsResponse }),
  'sync.start': lazyCommand({
    request: () =>
      z
        .object({
          path: z.string().min(1),
          name: sweepName.optional(),
          type: sweepTypeSchema.optional(),
          /** Include the run data (branch archives); absent: the include-run-data setting decides. */
          full: z.boolean().optional(),
          dryRun: z.boolean().default(false),
          allowIncomplete: z.boolean().default(false),
          waitForSettle: z.boolean().default(true),
        })
        .strict(),
    response: () => z.object({ jobId: z.string() }),
  }),
  'sync.now': lazyCommand({
    request: () => z.object({ path: z.string().min(1).optional() }).strict(),
    response: () => z.object({ watching: z.boolean(), queued: z.array(z.string()) }),
  }),
  'sync.pause': lazyCommand({
    request: () =>
      z
        .object({
          /** null or absent: until resumed. */
          forMs: z.number().int().positive().nullable().default(null),
          reason: z.string().nullable().default(null),
        })
        .strict(),
    response: () => z.object({ pause: pauseInfoSchema }),
  }),
  'sync.resume': lazyCommand({ request: () => empty, response: () => z.object({ resumed: z.boolean() }) }),
  'sync.retry': lazyCommand({
    request: () =>
      z.object({ sweep: z.string().min(1), allowIncomplete: z.boolean().default(false) }).strict(),
    response: () => z.object({ sweep: localSweepSchema }),
  }),
  'restore.start': lazyCommand({
    request: () =>
      z
        .object({
          sweep: sweepName,
          target: z.string().min(1),
          revision: revision.optional(),
          overwrite: z.boolean().default(false),
          what: restoreSelectionSchema.default({ kind: 'all' }),
        })
        .strict(),
    response: () => z.object({ jobId: z.string() }),
  }),
  'verify.start': lazyCommand({
    request: () =>
      z
        .object({
          sweep: sweepName,
          revision: revision.optional(),
          deep: z.boolean().default(false),
          /** Re-upload damaged or missing objects of the latest revision from the local sweep (needs deep). */
          repair: z.boolean().default(false),
          /** The local sweep folder for repair; default: the journal's folder for the sweep, else the
           *  folder the manifest was synced from on this host. */
          path: z.string().min(1).optional(),
        })
        .strict(),
    response: () => z.object({ jobId: z.string() }),
  }),
  'jobs.list': lazyCommand({ request: () => empty, response: () => z.object({ jobs: z.array(jobSchema) }) }),
  'jobs.get': lazyCommand({
    request: () => z.object({ jobId: z.string().min(1) }).strict(),
    response: () => jobSchema,
  }),
  'jobs.wait': lazyCommand({
    request: () => z.object({ jobId: z.string().min(1) }).strict(),
    response: () => jobSchema,
  }),
  'jobs.cancel': lazyCommand({
    request: () => z.object({ jobId: z.string().min(1) }).strict(),
    response: () => z.object({ cancelled: z.boolean() }),
  }),
  'settings.get': lazyCommand({ request: () => empty, response: () => settingsViewSchema }),
  'settings.validate': lazyCommand({
    request: () => z.object({ changes: settingChangesSchema }).strict(),
    response: () =>
      z.object({
        ok: z.boolean(),
        problems: z.array(z.object({ key: settingKeySchema, message: z.string() })),
        locked: z.array(settingKeySchema),
      }),
  }),
  'settings.save': lazyCommand({
    request: () => z.object({ changes: settingChangesSchema }).strict(),
    response: () => settingsViewSchema,
  }),
  'settings.test': lazyCommand({
    request: () => z.object({ changes: settingChangesSchema.default({}) }).strict(),
    response: () => z.object({ checks: z.array(checkResultSchema) }),
  }),
  'folders.list': lazyCommand({
    request: () => empty,
    response: () => z.object({ folders: z.array(z.string()) }),
  }),
  'folders.add': lazyCommand({
    request: () => z.object({ path: z.string().min(1) }).strict(),
    response: () => z.object({ folders: z.array(z.string()) }),
  }),
  'folders.remove': lazyCommand({
    request: () => z.object({ path: z.string().min(1) }).strict(),
    response: () => z.object({ folders: z.array(z.string()) }),
  }),
  /**
   * The native folder picker (a restore target, a watched folder). Only a shell with a window of its own
   * has one: the desktop app's main process answers it before the service sees it; the service (browser
   * mode, scripts) answers a `usage` error, code `no-folder-picker`. A page knows beforehand from its
   * bridge's `capabilities.folderPicker`.
   */
  'dialog.pickFolder': lazyCommand({
    request: () =>
      z
        .object({
          purpose: z.enum(['restore-target', 'watched-folder']),
          defaultPath: z.string().min(1).optional(),
        })
        .strict(),
    /** null: the user cancelled. */
    response: () => z.object({ path: z.string().nullable() }),
  }),
  'events.since': lazyCommand({
    request: () => z.object({ after: count.default(0) }).strict(),
    response: () =>
      z.object({
        events: z.array(appEventSchema),
        /** False when events after `after` were already dropped from the replay buffer. */
        complete: z.boolean(),
      }),
  }),
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType }>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export const COMMAND_NAMES = Object.keys(commands) as CommandName[];
/** What a caller passes (defaults may be left out). */
export type CommandRequest<N extends CommandName> = z.input<Commands[N]['request']>;
/** What a handler receives (defaults filled in). */
export type CommandInput<N extends CommandName> = z.output<Commands[N]['request']>;
export type CommandResponse<N extends CommandName> = z.output<Commands[N]['response']>;

/** Every command answers with a result: a value, or an error in the contract's shape. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: z.infer<typeof appErrorSchema> };
