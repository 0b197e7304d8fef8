/**
 * The one event stream every shell subscribes to (CLI progress bars and JSON lines, the window, the tray).
 * Each payload is plain data with a schema, so events cross IPC, HTTP and JSON unchanged and a shell can
 * check what it receives. The service wraps each payload in an envelope: a sequence number (a shell that
 * reconnects asks for everything after the last one it saw), a timestamp, and the job id when the event
 * belongs to a job (a sync, restore or verify started through the contract).
 * Sweeps are named by `sweep` (the name: its identity in the store and the catalog) and, where the event
 * is about a local folder, `path` (its identity on this machine).
 */
import { z } from 'zod';
import { appErrorSchema, errorCategorySchema, hintSchema } from './errors.js';
import { pausedBySchema, pauseInfoSchema, sweepStateSchema } from './states.js';

/** Phases of a transfer's progress; each one listed is emitted (sync: uploading, cataloguing; restore:
 *  downloading; verify: verifying). */
export const PROGRESS_PHASES = ['uploading', 'cataloguing', 'downloading', 'verifying'] as const;
export const progressPhaseSchema = z.enum(PROGRESS_PHASES);
export type ProgressPhase = z.infer<typeof progressPhaseSchema>;

export const JOB_KINDS = ['sync', 'restore', 'verify'] as const;
export const jobKindSchema = z.enum(JOB_KINDS);
export type JobKind = z.infer<typeof jobKindSchema>;

const count = z.number().int().nonnegative();

export const engineEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sync-started'),
    sweep: z.string(),
    path: z.string(),
    revision: z.number().int(),
    bytesTotal: count,
    full: z.boolean(),
  }),
  z.object({
    type: z.literal('progress'),
    sweep: z.string(),
    phase: progressPhaseSchema,
    /** The object being transferred, when the progress is about one. */
    key: z.string().optional(),
    /** That object's own progress, in source bytes (an archive's is estimated from the bytes sent). */
    object: z.object({ key: z.string(), bytesDone: count, bytesTotal: count }).optional(),
    bytesDone: count,
    bytesTotal: count,
    /** Moving-average speed in bytes per second, when known. */
    bytesPerSecond: z.number().nonnegative().optional(),
    /** Seconds left, or null when it can't be estimated yet. */
    etaSeconds: z.number().nonnegative().nullable().optional(),
  }),
  z.object({
    type: z.literal('object-done'),
    sweep: z.string(),
    key: z.string(),
    size: count,
    skipped: z.boolean(),
  }),
  z.object({
    type: z.literal('warning'),
    sweep: z.string().optional(),
    message: z.string(),
    /** What to do about it, e.g. restore the revision a shrunk comparison.csv still holds in full. */
    hint: hintSchema.optional(),
  }),
  z.object({
    type: z.literal('sync-finished'),
    sweep: z.string(),
    result: z.enum(['synced', 'noop']),
    revision: z.number().int(),
    bytesUploaded: count,
    objectsUploaded: count,
    durationMs: count,
  }),
  z.object({
    type: z.literal('sync-failed'),
    sweep: z.string(),
    message: z.string(),
    category: errorCategorySchema,
  }),
  // ---- the background queue ----
  z.object({
    type: z.literal('sweep-state'),
    sweep: z.string(),
    path: z.string(),
    state: sweepStateSchema,
    /** The state before, or null for a sweep seen for the first time. */
    previous: sweepStateSchema.nullable(),
    reason: z.string().nullable(),
    /** For `failed`: when the next automatic attempt runs (ISO), or null once retries are exhausted. */
    nextRetryAt: z.string().nullable(),
    /** Consecutive failed attempts. */
    attempts: count,
  }),
  z.object({
    type: z.literal('queue-state'),
    /** Names of sweeps waiting for an upload slot, in order. */
    queued: z.array(z.string()),
    syncing: z.array(z.string()),
    /** Sweeps finished but settling (quiet window). */
    waiting: count,
    /** Sweeps whose last attempt failed (retrying or given up). */
    failed: count,
    paused: pauseInfoSchema.nullable(),
  }),
  z.object({ type: z.literal('paused'), pause: pauseInfoSchema }),
  z.object({ type: z.literal('resumed'), by: z.union([pausedBySchema, z.literal('timer')]) }),
  z.object({
    type: z.literal('reconcile-finished'),
    /** Sweep folders looked at. */
    sweeps: count,
    /** Of those, how many were skipped as unchanged since their synced revision (no hashing). */
    unchanged: count,
    durationMs: count,
    trigger: z.enum(['startup', 'periodic', 'request']),
  }),
  z.object({
    type: z.literal('watch-started'),
    roots: z.array(z.string()),
    full: z.boolean(),
    settleMs: count,
    concurrency: z.number().int().positive(),
  }),
  z.object({ type: z.literal('watch-stopped'), reason: z.string() }),
  // ---- jobs (sync, restore and verify started through the contract) ----
  z.object({
    type: z.literal('job-started'),
    jobId: z.string(),
    kind: jobKindSchema,
    sweep: z.string(),
    /** What the job works on: the sweep folder (sync) or the target folder (restore). */
    path: z.string().nullable(),
  }),
  z.object({
    type: z.literal('job-finished'),
    jobId: z.string(),
    kind: jobKindSchema,
    sweep: z.string(),
    outcome: z.enum(['succeeded', 'failed', 'cancelled']),
    error: appErrorSchema.nullable(),
    durationMs: count,
  }),
  // ---- settings ----
  z.object({ type: z.literal('settings-changed'), changed: z.array(z.string()) }),
  z.object({ type: z.literal('folders-changed'), folders: z.array(z.string()) }),
]);

/** What the engine, the queue and the service emit (before the service's envelope). */
export type EngineEvent = z.infer<typeof engineEventSchema>;
export type EngineEventListener = (event: EngineEvent) => void;
export type EngineEventType = EngineEvent['type'];

/** The envelope every subscriber receives. */
export const appEventSchema = z.object({
  /** 1, 2, 3… per service instance: a reconnecting shell asks for what came after the last it saw. */
  seq: z.number().int().positive(),
  /** ISO time the service emitted it. */
  at: z.string(),
  /** The job it belongs to, if any. */
  jobId: z.string().nullable(),
  event: engineEventSchema,
});
export type AppEvent = z.infer<typeof appEventSchema>;
export type AppEventListener = (event: AppEvent) => void;
