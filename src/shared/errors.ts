/**
 * Errors as every shell sees them. A category decides the CLI exit code and how a shell reacts (retry
 * later, fix a setting, stop and look); the code is stable for programs; the message says what happened in
 * plain words; the hint says what to do, as plain words (`text`) and, where a shell can offer it as a
 * button, a flag or a link to a field, as a structured `action` — the CLI renders an action as a command
 * line or an environment variable, the window as a button. Core messages never name CLI flags or
 * environment variables: that wording belongs to the shell.
 */
import { z } from 'zod';
import { ERROR_CATEGORIES, SETTING_KEYS } from './constants.js';

// The plain lists live in constants.ts (the CLI reads them without loading zod); they are part of this
// module's API as before.
export {
  ERROR_CATEGORIES,
  type ErrorCategory,
  EXIT_CODES,
  SETTING_KEYS,
  type SettingKey,
} from './constants.js';

export const errorCategorySchema = z.enum(ERROR_CATEGORIES);

export const settingKeySchema = z.enum(SETTING_KEYS);

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
