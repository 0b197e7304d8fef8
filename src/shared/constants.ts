/**
 * The contract's plain lists, without zod: error categories and their exit codes, the settings a hint can
 * point at, the sweep states and types. errors.ts and states.ts build their schemas from these and
 * re-export them; a shell that needs only the lists (the CLI's argument checks and exit codes) imports
 * this file and so starts without loading zod.
 */

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
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

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
export type SettingKey = (typeof SETTING_KEYS)[number];

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
export type SweepState = (typeof SWEEP_STATES)[number];

export const SWEEP_TYPES = ['balanced', 'dealer', 'ring', 'aggregate-only'] as const;
export type SweepType = (typeof SWEEP_TYPES)[number];
