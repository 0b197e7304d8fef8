/**
 * PostgresCatalog's beginSweepWrite: the sweep's rows go to the server while the sync uploads its
 * archives, in a transaction that `finish` completes with the manifest and commits. The server's part
 * of the write (parsing the payload, inserting ~2,000 jsonb rows: ~0.15 s for a 625-pair sweep) then
 * runs while the archives compress instead of after them.
 *
 * Nothing is visible before the commit (readers see the previous revision); a write abandoned, or a
 * process that dies, leaves the catalog as it was (the server rolls back when the connection drops).
 *
 * The transaction is a shortcut, never a requirement: if it can't be begun, or is gone by `finish` (the
 * server ended an idle transaction, the connection dropped), `finish` writes the sweep whole, as
 * writeSweep does, and reports that write's errors. And it is held at most HOLD_MS: a transaction left
 * idle longer keeps a pooled connection and the sweep row's lock (another machine's write of the same
 * sweep waits on it), and may meet a server's idle_in_transaction_session_timeout; past that it is rolled
 * back, and `finish` writes whole.
 */
import type pg from 'pg';
import type { CatalogManifest } from '../model/RemoteManifest.js';
import type { CatalogSweepWrite, PendingSweepWrite, SweepRowsWrite, SweepWriteEnd } from './Catalog.js';

/**
 * How long the transaction may wait for `finish` (the uploads of the sweep's archives): a minute covers
 * a sweep of ~100 MB compressed on a 20 Mbit/s line; bigger or slower uploads lose only the overlap.
 */
export const HOLD_MS = 60_000;

/** manifest is NOT NULL: the staged row holds this until `finish` sets the real one, before the commit. */
const NO_MANIFEST_YET = {} as CatalogManifest;

export interface PgPendingSweepWriteDeps {
  /** A client of the catalog's pool (opening the catalog first). */
  connect(): Promise<pg.PoolClient>;
  /** The statement of a whole write (PostgresCatalog.writeStatement): it returns the sweep's id. */
  statement(write: CatalogSweepWrite): { text: string; values: unknown[] };
  /** writeSweep, for a write the transaction can't complete. */
  writeWhole(write: CatalogSweepWrite): Promise<{ sweepId: string }>;
  /** How long the transaction may wait for `finish` (PostgresCatalog's option, HOLD_MS by default). */
  holdMs: number;
}

export class PgPendingSweepWrite implements PendingSweepWrite {
  /** The transaction that holds the rows, until finished, abandoned or let go. */
  private held: { client: pg.PoolClient; sweepId: string } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly staged: Promise<void>;

  constructor(
    private readonly deps: PgPendingSweepWriteDeps,
    private readonly rows: SweepRowsWrite,
  ) {
    this.staged = this.stage();
  }

  async finish(end: SweepWriteEnd): Promise<{ sweepId: string }> {
    await this.staged;
    const held = this.take();
    if (held) {
      try {
        // clock_timestamp(), not now(): now() is the transaction's start, the moment the rows were sent.
        const updated = await held.client.query(
          'update public.sweeps set manifest = $2::jsonb, archive_bytes = $3, synced_at = clock_timestamp() where sweep_id = $1',
          [held.sweepId, JSON.stringify(end.manifest), end.archiveBytes],
        );
        if (updated.rowCount !== 1) throw new Error(`${updated.rowCount} rows updated`);
        await held.client.query('commit');
        release(held.client);
        return { sweepId: held.sweepId };
      } catch {
        await rollBack(held.client);
      }
    }
    return this.deps.writeWhole({ ...this.rows, ...end });
  }

  async abandon(): Promise<void> {
    await this.staged;
    const held = this.take();
    if (held) await rollBack(held.client);
  }

  /** Begins the transaction and sends the rows; on any failure nothing is held and `finish` writes whole. */
  private async stage(): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.deps.connect();
      // A client checked out of the pool has no 'error' listener but ours: the server ending the idle
      // transaction (or a dropped connection) would otherwise crash the process. `finish` then finds
      // the query failing, and writes whole.
      client.on('error', ignore);
      await client.query('begin');
      const { text, values } = this.deps.statement({
        ...this.rows,
        manifest: NO_MANIFEST_YET,
        archiveBytes: 0,
      });
      const { rows } = await client.query<{ sweep_id: string | null }>(text, values);
      const sweepId = rows[0]?.sweep_id;
      if (!sweepId) throw new Error('no sweep id');
      this.held = { client, sweepId };
      this.timer = setTimeout(() => {
        const held = this.take();
        if (held) void rollBack(held.client);
      }, this.deps.holdMs);
      this.timer.unref();
    } catch {
      if (client) await rollBack(client);
    }
  }

  /** The held transaction, now the caller's alone (or null): finish, abandon and the timer race for it. */
  private take(): { client: pg.PoolClient; sweepId: string } | null {
    clearTimeout(this.timer);
    const held = this.held;
    this.held = null;
    return held;
  }
}

/**
 * Rolls back and gives the connection up for good: after a failure its state is not to be trusted. Our
 * 'error' listener stays: the connection being torn down may still report an error.
 */
async function rollBack(client: pg.PoolClient): Promise<void> {
  await client.query('rollback').catch(() => undefined);
  client.release(true);
}

/** Back to the pool, which listens for the errors of its idle clients itself. */
function release(client: pg.PoolClient): void {
  client.off('error', ignore);
  client.release();
}

function ignore(): void {}
