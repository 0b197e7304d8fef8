/**
 * Pause control: whether syncing may run. A pause is stored in the journal with who paused (the user or
 * the app) so that it survives a restart and every process on the journal sees it; a timed pause ends by
 * itself; the app can never lift the user's pause. This class holds the pause in force for one watcher
 * and tells it when that changes.
 */

import type { EngineEvent } from '../../shared/events.js';
import type { PausedBy, PauseInfo } from '../../shared/states.js';
import type { Journal } from '../journal/Journal.js';
import { clearPause, readPause, writePause } from './pause.js';
import { MAX_TIMER_MS } from './RetryScheduler.js';

export interface PauseControlOptions {
  journal: Journal;
  emit: (e: EngineEvent) => void;
  /** The pause in force changed (began, ended, was replaced). */
  onChange: (pause: PauseInfo | null) => void;
}

export class PauseControl {
  private pause: PauseInfo | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: PauseControlOptions) {}

  get current(): PauseInfo | null {
    return this.pause;
  }

  /** Pause syncing, journaled (with an event) first. */
  pauseSyncing(options: { by?: PausedBy; forMs?: number | null; reason?: string | null } = {}): PauseInfo {
    const { journal } = this.options;
    const info = writePause(journal, options);
    journal.events.add({
      level: 'info',
      kind: 'paused',
      message: `syncing paused by the ${info.by}${info.until ? ` until ${info.until}` : ''}${info.reason ? `: ${info.reason}` : ''}`,
    });
    this.apply(info, info.by);
    return info;
  }

  /** Resume. The app can only lift its own pauses; returns whether syncing runs again. */
  resumeSyncing(by: PausedBy = 'user'): boolean {
    const { journal } = this.options;
    if (!clearPause(journal, by)) return this.pause === null;
    journal.events.add({ level: 'info', kind: 'resumed', message: `syncing resumed by the ${by}` });
    this.apply(null, by);
    return true;
  }

  /** Take in the pause the journal holds now (written by this or another process); returns it. */
  refresh(): PauseInfo | null {
    const pause = readPause(this.options.journal);
    this.apply(pause, pause?.by ?? 'user');
    return pause;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private apply(info: PauseInfo | null, by: PausedBy | 'timer'): void {
    const same =
      (info === null && this.pause === null) ||
      (info !== null &&
        this.pause !== null &&
        info.since === this.pause.since &&
        info.until === this.pause.until);
    if (same) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pause = info;
    const { emit, journal } = this.options;
    if (info) {
      emit({ type: 'paused', pause: info });
      if (info.until && !this.closed) {
        this.timer = setTimeout(
          () => {
            clearPause(journal, 'user');
            journal.events.add({ level: 'info', kind: 'resumed', message: 'timed pause ended' });
            this.apply(null, 'timer');
          },
          Math.min(MAX_TIMER_MS, Math.max(0, Date.parse(info.until) - Date.now())),
        );
        this.timer.unref?.();
      }
    } else {
      emit({ type: 'resumed', by });
    }
    this.options.onChange(info);
  }
}
