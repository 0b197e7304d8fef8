export {
  type AttemptOutcome,
  type EventInput,
  Journal,
  type JournalOptions,
  type SweepUpsert,
} from './Journal.js';
export { JOURNAL_MIGRATIONS } from './migrations.js';
export * from './types.js';
