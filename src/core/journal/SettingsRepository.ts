/**
 * The `settings` table: small JSON values the app keeps between runs and shares between processes on the
 * same journal (the pause, sweeps to sync as they stand). Not the user's configuration: that is the config file.
 */
import type { Json } from '../model/types.js';
import type { JournalDb } from './JournalDb.js';

export class SettingsRepository {
  private readonly stmts;

  constructor(private readonly ctx: JournalDb) {
    const { db } = ctx;
    this.stmts = {
      get: db.prepare('SELECT value FROM settings WHERE key = ?'),
      set: db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)'),
      delete: db.prepare('DELETE FROM settings WHERE key = ?'),
    };
  }

  get<T extends Json = Json>(key: string): T | undefined {
    return this.ctx.guard(() => {
      const row = this.stmts.get.get(key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : undefined;
    });
  }

  set(key: string, value: Json): void {
    this.ctx.guard(() => this.stmts.set.run(key, JSON.stringify(value)));
  }

  delete(key: string): void {
    this.ctx.guard(() => this.stmts.delete.run(key));
  }
}
