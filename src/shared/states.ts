/**
 * Where a sweep stands in the local pipeline — the one definition the journal, the queue, the events and
 * every shell use — and the pause.
 */
import { z } from 'zod';

export const SWEEP_STATES = [
  'detected', // seen, not yet examined
  'running', // bilancio is still writing it
  'waiting', // complete-looking, waiting for the folder to be quiet (settle window)
  'queued', // ready, waiting for an upload slot
  'syncing',
  'synced',
  'failed', // the last attempt failed; nextRetryAt says when the next one runs
  'incomplete', // bilancio crashed (or marked it failed): synced only on request, "as it stands"
] as const;
export const sweepStateSchema = z.enum(SWEEP_STATES);
export type SweepState = z.infer<typeof sweepStateSchema>;

export const SWEEP_TYPES = ['balanced', 'dealer', 'ring', 'aggregate-only'] as const;
export const sweepTypeSchema = z.enum(SWEEP_TYPES);
export type SweepType = z.infer<typeof sweepTypeSchema>;

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
