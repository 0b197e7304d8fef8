import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { SyncError } from '../model/errors.js';
import { diskFullError, freeBytes, fromOsError } from '../model/osErrors.js';

/** Less free space than this where an SQLite I/O error happened: the disk is full (a few pages). */
const NEARLY_FULL = 1024 * 1024;

/**
 * Opening a better-sqlite3 file the same way for the journal and the embedded catalog: WAL, a busy
 * timeout, foreign keys, versioned migrations, and plain-language errors for the files users meet
 * (not a database, corrupt, unreadable, disk full, written by a newer version).
 */

export type SqliteDb = Database.Database;

/**
 * The better-sqlite3 binary to load. Under plain Node (tests, the CLI): none given, i.e. the Node build in
 * node_modules. Under Electron (another ABI: it bundles its own Node), unpackaged: the Electron build
 * `scripts/native-electron.mjs` puts in `<package>/native/better-sqlite3/electron-<version>-<platform>-<arch>/`
 * (or the file BILANCIO_SYNC_SQLITE_BINDING names); packaged, electron-builder rebuilt node_modules for
 * Electron, so none is given either.
 */
export function sqliteNativeBinding(
  versions: NodeJS.ProcessVersions = process.versions,
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
  packageDir: () => string = () =>
    dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
): string | undefined {
  const electron = (versions as NodeJS.ProcessVersions & { electron?: string }).electron;
  if (!electron) return undefined;
  if (env.BILANCIO_SYNC_SQLITE_BINDING) return env.BILANCIO_SYNC_SQLITE_BINDING;
  const candidate = join(
    packageDir(),
    '..',
    '..',
    'native',
    'better-sqlite3',
    `electron-${electron}-${process.platform}-${process.arch}`,
    'better_sqlite3.node',
  );
  return exists(candidate) ? candidate : undefined;
}

/** One schema step. `version` counts from 1 with no gaps; `up` runs inside a transaction. */
export interface SqliteMigration {
  version: number;
  name: string;
  up: string | ((db: SqliteDb) => void);
}

export interface OpenSqliteOptions {
  /** What the file is, for messages: "sync journal", "local catalog". */
  what: string;
  migrations: readonly SqliteMigration[];
  /** FULL: each commit survives power loss. NORMAL: survives a crashed process, may lose the last commits
   *  on power loss (never corrupts in WAL mode). */
  synchronous: 'FULL' | 'NORMAL';
  /** What losing the file costs, added to the "move it aside" hint. */
  recovery: string;
}

/** How long an open keeps trying while another process holds the file's lock (as busy_timeout does). */
const OPEN_BUSY_MS = 5000;

export function openSqliteDatabase(file: string, options: OpenSqliteOptions): SqliteDb {
  const deadline = Date.now() + OPEN_BUSY_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return openOnce(file, options);
    } catch (e) {
      // SQLite answers SQLITE_BUSY at once, without waiting for busy_timeout, where waiting could deadlock:
      // two processes switching a brand-new file to WAL, or both upgrading a read to a write. Nothing was
      // written; open again after a short, growing pause.
      if (!BUSY.has(sqliteCode(e)) || Date.now() >= deadline) {
        throw sqliteError(e, file, options.what, options.recovery);
      }
      Atomics.wait(PAUSE, 0, 0, Math.min(200, 10 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function openOnce(file: string, options: OpenSqliteOptions): SqliteDb {
  let db: SqliteDb | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const nativeBinding = sqliteNativeBinding();
    db = nativeBinding ? new Database(file, { nativeBinding }) : new Database(file);
    // Another process (CLI next to the app) may hold the write lock for a moment. Set first: switching a
    // new file to WAL takes that lock too.
    db.pragma('busy_timeout = 5000');
    // journal_mode is the first statement that reads the header: a non-database file fails here.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous}`);
    db.pragma('foreign_keys = ON');
    migrate(db, file, options);
    return db;
  } catch (e) {
    db?.close();
    throw e;
  }
}

/** Apply every migration newer than the file's `user_version`, each in its own transaction. */
export function migrate(db: SqliteDb, file: string, options: Pick<OpenSqliteOptions, 'what' | 'migrations'>) {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = options.migrations.length;
  options.migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
  if (current > latest) {
    throw new SyncError(
      'configuration',
      `The ${options.what} ${file} has schema version ${current}, newer than this Bilancio Sync knows (${latest}).`,
      'Update Bilancio Sync, or point it at another file.',
    );
  }
  for (const m of options.migrations.slice(current)) {
    // IMMEDIATE: the write lock is taken before the version is read again, so two processes opening a new
    // file at once apply each migration once (the second finds it applied) instead of both trying.
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      // user_version lives in the header page, so it commits (or rolls back) with the migration.
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

const CORRUPT = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);
const UNREADABLE = new Set(['SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_PERM', 'SQLITE_AUTH']);
const BUSY = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/** Turn a better-sqlite3 / file system error into a SyncError that says which file and what to do. */
export function sqliteError(e: unknown, file: string, what: string, recovery: string): SyncError {
  if (e instanceof SyncError) return e;
  const code = sqliteCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  if (CORRUPT.has(code)) {
    return new SyncError(
      'configuration',
      `The ${what} ${file} is not a readable SQLite database (${detail}).`,
      `Quit Bilancio Sync, move the file aside (e.g. rename it to ${file}.broken) and start again. ${recovery}`,
      { cause: e },
    );
  }
  if (UNREADABLE.has(code) || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new SyncError(
      'configuration',
      `The ${what} ${file} can't be opened for writing (${detail}).`,
      'Check that the folder exists and that you may write to it.',
      { cause: e },
    );
  }
  // Under WAL a full disk often surfaces as SQLITE_IOERR (a write or the shared-memory file failed with
  // ENOSPC underneath) rather than SQLITE_FULL: with almost no free space left there, it is the full disk.
  const fullUnderneath =
    code.startsWith('SQLITE_IOERR') && (freeBytes(file) ?? Number.POSITIVE_INFINITY) < NEARLY_FULL;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || fullUnderneath) {
    // The same words as a full disk anywhere else (src/core/model/osErrors.ts).
    return diskFullError({ path: file, doing: `writing the ${what}` }, e);
  }
  if (code === 'EMFILE' || code === 'ENFILE' || code === 'EIO') {
    return fromOsError(e, { path: file, doing: `opening the ${what}` });
  }
  if (BUSY.has(code)) {
    return new SyncError(
      'transient',
      `The ${what} ${file} is locked by another process.`,
      'Another Bilancio Sync may be running; try again in a moment.',
      { cause: e },
    );
  }
  return new SyncError('internal', `${what} ${file}: ${detail}`, undefined, { cause: e });
}

function sqliteCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return '';
  // Extended codes (SQLITE_IOERR_SHORT_READ, SQLITE_CORRUPT_VTAB, SQLITE_CANTOPEN_ISDIR) keep the base's meaning.
  for (const base of [...CORRUPT, ...UNREADABLE, ...BUSY, 'SQLITE_FULL']) {
    if (code === base || code.startsWith(`${base}_`)) return base;
  }
  return code;
}

/**
 * Sets one JSON column to `text` without the column's CHECK (json_valid): SQLite evaluates it by first
 * converting the text to its binary JSON, about three times the text in memory at once (measured:
 * +90 MB for a 25 MB manifest, +250 MB for a 50 MB summary). Only for text that is valid JSON by
 * construction (what JSON.stringify prints, or src/core/sweep/jsonBytes.ts). The pragma only changes
 * statements prepared while it is on (SQLite expires the others and recompiles them when they next
 * run), so the check is back for every other write. `sql` sets the column from its first parameter.
 */
export function writeKnownJson(db: SqliteDb, sql: string, ...params: unknown[]): void {
  db.pragma('ignore_check_constraints = ON');
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.pragma('ignore_check_constraints = OFF');
  }
}
