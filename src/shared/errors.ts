/**
 * Errors as every shell sees them. A category decides the CLI exit code and how a shell reacts (retry
 * later, fix a setting, stop and look); the code is stable for programs; the message says what happened in
 * plain words; the hint says what to do, as plain words (`text`) and, where a shell can offer it as a
 * button, a flag or a link to a field, as a structured `action` — the CLI renders an action as a command
 * line or an environment variable, the window as a button. Core messages never name CLI flags or
 * environment variables: that wording belongs to the shell.
 */
import { z } from 'zod';

export const ERROR_CATEGORIES = [
  'usage', // the command line or request is wrong
  'configuration', // a setting is missing or wrong (bad key, unknown bucket, unapplied migration)
  'transient', // network, server busy, destination down: retrying later can succeed
  'integrity', // bytes don't match their hash, hostile or corrupt archive
  'not-ready', // the sweep is still being written, crashed, or failed
  'not-found', // no such sweep / revision / object
  'conflict', // would overwrite existing files, or the sweep changed while it was read
  'internal',
] as const;
export const errorCategorySchema = z.enum(ERROR_CATEGORIES);
export type ErrorCategory = z.infer<typeof errorCategorySchema>;

export const EXIT_CODES: Record<ErrorCategory, number> = {
  usage: 2,
  configuration: 3,
  transient: 4,
  integrity: 5,
  'not-ready': 6,
  'not-found': 7,
  conflict: 8,
  internal: 1,
};

/** Settings a hint can point at (the names of the settings form's fields and of config.json's keys). */
export const SETTING_KEYS = [
  'owner',
  'objectStore.kind',
  'objectStore.root',
  'objectStore.preset',
  'objectStore.endpoint',
  'objectStore.region',
  'objectStore.bucket',
  'objectStore.prefix',
  'objectStore.accessKeyId',
  'objectStore.secretAccessKey',
  'objectStore.partSizeMiB',
  'catalog.kind',
  'catalog.path',
  'catalog.url',
  'catalog.key',
  'catalog.databaseUrl',
  'compressionLevel',
  'archiveConcurrency',
  'settleSeconds',
  'autoSync',
  'includeRunData',
  'notifications',
  'configFile',
] as const;
export const settingKeySchema = z.enum(SETTING_KEYS);
export type SettingKey = z.infer<typeof settingKeySchema>;

/** What a shell can offer as the next step. */
export const hintActionSchema = z.discriminatedUnion('kind', [
  /** Change these settings (a link to the fields; the CLI names the variables). */
  z.object({ kind: z.literal('fix-setting'), settings: z.array(settingKeySchema).min(1) }),
  /** Sync a crashed or failed sweep with what it holds ("Sync as it stands"). */
  z.object({ kind: z.literal('sync-as-it-stands'), sweep: z.string().nullable() }),
  /** Sync the sweep again including its run data. */
  z.object({ kind: z.literal('sync-with-run-data'), sweep: z.string() }),
  /** Sync the sweep from its folder again (repairs objects the store lost). */
  z.object({ kind: z.literal('sync-again'), sweep: z.string() }),
  /** Restore a given earlier revision. */
  z.object({ kind: z.literal('restore-revision'), sweep: z.string(), revision: z.number().int() }),
  /** Pick one of the revisions that exist. */
  z.object({ kind: z.literal('choose-revision'), sweep: z.string(), revisions: z.array(z.number().int()) }),
  /** Choose another (empty) target folder, or allow overwriting. */
  z.object({ kind: z.literal('choose-empty-folder'), overwriteAllowed: z.boolean() }),
  /** Give the sweep another name. */
  z.object({ kind: z.literal('rename-sweep') }),
  /** Look at the synced sweeps. */
  z.object({ kind: z.literal('list-sweeps') }),
  /** Look at the local sweeps and their states. */
  z.object({ kind: z.literal('show-status') }),
  /** Check the whole sweep in the store. */
  z.object({ kind: z.literal('verify-sweep'), sweep: z.string() }),
  /** Run the connection test of each destination. */
  z.object({ kind: z.literal('test-connection') }),
  /** Try a failed sweep again. */
  z.object({ kind: z.literal('retry-sweep'), sweep: z.string() }),
]);
export type HintAction = z.infer<typeof hintActionSchema>;

export const hintSchema = z.object({
  /** Plain words, no flags, no variable names: what any shell can show as it is. */
  text: z.string(),
  action: hintActionSchema.optional(),
});
export type Hint = z.infer<typeof hintSchema>;

export const appErrorSchema = z.object({
  category: errorCategorySchema,
  /** Stable, for programs: e.g. "sweep-not-found", "target-not-empty", "request-invalid". */
  code: z.string(),
  message: z.string(),
  hint: hintSchema.nullable(),
  /** For a request that failed validation: the field concerned ("revision", "filter.0.column"). */
  field: z.string().optional(),
});
export type AppError = z.infer<typeof appErrorSchema>;
