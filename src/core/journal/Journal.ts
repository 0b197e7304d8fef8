import { openSqliteDatabase, type SqliteDb, sqliteError } from '../stores/sqliteDatabase.js';
import { AttemptsRepository } from './AttemptsRepository.js';
import { EventsRepository } from './EventsRepository.js';
import { FileCacheRepository } from './FileCacheRepository.js';
import type { JournalDb } from './JournalDb.js';
import { JOURNAL_MIGRATIONS } from './migrations.js';
import { RevisionsRepository } from './RevisionsRepository.js';
import { SettingsRepository } from './SettingsRepository.js';
import { SweepsRepository } from './SweepsRepository.js';

export interface JournalOptions {
  /** The clock (tests pin it). */
  now?: () => Date;
}

const WHAT = 'sync journal';
const RECOVERY =
  'The journal only remembers what was synced: Bilancio Sync rebuilds it by scanning your sweeps and ' +
  'reading their manifests in the store.';

/**
 * The local source of truth of what has been synced, in the app data folder: one repository per table
 * (`sweeps`, `revisions`, `attempts`, `events`, `fileCache`, `settings`), over one database.
 *
 * synchronous=FULL: the journal commits a handful of times per sync (a state change, a revision, an
 * attempt), so the one extra WAL fsync per commit costs milliseconds, and in exchange a "revision N is
 * synced" record survives a power cut, not only a crashed process (which NORMAL already survives).
 *
 * Every method is synchronous (better-sqlite3): each call is one short transaction; `transaction` groups
 * calls of several repositories into one.
 */
export class Journal {
  readonly file: string;
  readonly sweeps: SweepsRepository;
  readonly revisions: RevisionsRepository;
  readonly attempts: AttemptsRepository;
  readonly events: EventsRepository;
  readonly fileCache: FileCacheRepository;
  readonly settings: SettingsRepository;
  private readonly db: SqliteDb;
  private readonly ctx: JournalDb;

  private constructor(file: string, db: SqliteDb, options: JournalOptions) {
    this.file = file;
    this.db = db;
    const now = options.now ?? (() => new Date());
    this.ctx = {
      db,
      now,
      guard: <T>(fn: () => T): T => {
        try {
          return fn();
        } catch (e) {
          throw sqliteError(e, file, WHAT, RECOVERY);
        }
      },
    };
    this.sweeps = new SweepsRepository(this.ctx);
    this.revisions = new RevisionsRepository(this.ctx);
    this.attempts = new AttemptsRepository(this.ctx);
    this.events = new EventsRepository(this.ctx);
    this.fileCache = new FileCacheRepository(this.ctx);
    this.settings = new SettingsRepository(this.ctx);
  }

  /** Open (creating and migrating as needed) and prune old events. A file that is not a journal →
   *  SyncError('configuration'). */
  static open(file: string, options: JournalOptions = {}): Journal {
    const db = openSqliteDatabase(file, {
      what: WHAT,
      migrations: JOURNAL_MIGRATIONS,
      synchronous: 'FULL',
      recovery: RECOVERY,
    });
    try {
      const journal = new Journal(file, db, options);
      journal.events.prune();
      return journal;
    } catch (e) {
      db.close();
      throw sqliteError(e, file, WHAT, RECOVERY);
    }
  }

  /** The bytes of the manifest recorded last for the sweep folder at `path`, or null: what readManifest
   *  takes as `recorded`. */
  recordedManifest(path: string): Buffer | null {
    const row = this.sweeps.byPath(path);
    return row ? this.revisions.latestManifestBytes(row.id) : null;
  }

  /** Run several journal writes as one transaction (e.g. record a revision and mark the sweep synced).
   *  Nested calls become savepoints. */
  transaction<T>(fn: () => T): T {
    return this.ctx.guard(() => this.db.transaction(fn)());
  }

  /**
   * Run writes whose loss in a power cut costs nothing (the history entry of a restore or a verify)
   * without waiting for the disk: their commits run at synchronous=NORMAL, which in WAL mode never leaves
   * a damaged journal (the next FULL commit makes them durable too). Why: a WAL fsync makes the disk
   * flush everything written before it — a restore's start record took 0.3 s after the command before it
   * had written ~100 MB — and the restored files themselves are not fsynced either (nor by tar).
   */
  withoutWaitingForDisk<T>(fn: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
