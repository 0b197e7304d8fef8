/**
 * Where a sweep stands in the local pipeline — the one definition the journal, the queue, the events and
 * every shell use — and the pause.
 */
import { z } from 'zod';
import { SWEEP_STATES, SWEEP_TYPES } from './constants.js';

// The plain lists live in constants.ts (the CLI reads them without loading zod); they are part of this
// module's API as before.
export { SWEEP_STATES, SWEEP_TYPES, type SweepState, type SweepType } from './constants.js';

export const sweepStateSchema = z.enum(SWEEP_STATES);
export const sweepTypeSchema = z.enum(SWEEP_TYPES);

/** Who paused syncing: the researcher, or the app itself (e.g. on battery, shutting down). */
export const pausedBySchema = z.enum(['user', 'app']);
export type PausedBy = z.infer<typeof pausedBySchema>;

export const pauseInfoSchema = z.object({
  by: pausedBySchema,
  /** ISO time the pause began. */
  since: z.string(),
  /** ISO time a timed pause ends by itself, or null for "until resumed". */
  until: z.string().nullable(),
  reason: z.string().nullable(),
});
export type PauseInfo = z.infer<typeof pauseInfoSchema>;
