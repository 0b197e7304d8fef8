import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SyncEngine } from '../../src/core/engine/SyncEngine.js';
import { SyncError } from '../../src/core/model/errors.js';
import type { ObjectInfo, ObjectStore, PutOptions } from '../../src/core/stores/ObjectStore.js';
import { WatchService, type WatchServiceOptions } from '../../src/core/watch/WatchService.js';
import type { EngineEvent } from '../../src/shared/events.js';
import type { AppContext } from '../support/openApp.js';

export async function tempDir(prefix = 'bsync-watch-'): Promise<{ path: string; dispose(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, dispose: () => rm(path, { recursive: true, force: true }) };
}

export interface TimedEvent {
  at: number;
  event: EngineEvent;
}

/** A watch service on `app` (or on another engine, e.g. over a wrapped store), recording every event. */
export function watchService(
  app: AppContext,
  options: Partial<WatchServiceOptions> & { roots: string[] },
  engine: Pick<SyncEngine, 'syncSweep'> = app.engine,
): { service: WatchService; events: TimedEvent[] } {
  const events: TimedEvent[] = [];
  const service = new WatchService(
    { engine, journal: app.journal },
    {
      settleMs: 400,
      debounceMs: 100,
      journalPollMs: 0,
      reconcileIntervalMs: 0,
      ...options,
      onEvent: (event) => {
        events.push({ at: Date.now(), event });
        options.onEvent?.(event);
      },
    },
  );
  return { service, events };
}

/** An engine like the app's, over another store (a wrapper around the app's real one). */
export function engineOver(app: AppContext, store: ObjectStore): SyncEngine {
  return new SyncEngine({
    store,
    catalog: app.catalog,
    journal: app.journal,
    owner: app.config.owner,
    sourceHost: app.config.sourceHost,
    compressionLevel: app.config.compressionLevel,
    archiveConcurrency: app.config.archiveConcurrency,
    settleMs: app.config.settleMs,
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A real store (the app's LocalFolderObjectStore) behind a switch: while `down`, every call fails the way
 * an unreachable destination does (SyncError 'transient'); `beforePut` runs before a put reaches the store.
 */
export class SwitchableStore implements ObjectStore {
  down = false;
  failures = 0;
  beforePut: ((key: string) => Promise<void> | void) | null = null;

  constructor(private readonly inner: ObjectStore) {}

  get description(): string {
    return `switchable ${this.inner.description}`;
  }

  private check(): void {
    if (this.down) {
      this.failures++;
      throw new SyncError('transient', 'The destination is unreachable (test: switched off).');
    }
  }

  async put(
    key: string,
    body: Readable | Buffer | (() => Readable),
    options?: PutOptions,
  ): Promise<ObjectInfo> {
    this.check();
    await this.beforePut?.(key);
    return this.inner.put(key, body as Readable | Buffer, options);
  }
  async get(key: string, options?: { signal?: AbortSignal }): Promise<Readable> {
    this.check();
    return this.inner.get(key, options);
  }
  async head(key: string): Promise<ObjectInfo | null> {
    this.check();
    return this.inner.head(key);
  }
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.check();
    yield* this.inner.list(prefix);
  }
  async copy(fromKey: string, toKey: string): Promise<ObjectInfo> {
    this.check();
    return this.inner.copy(fromKey, toKey);
  }
  async delete(key: string): Promise<void> {
    this.check();
    return this.inner.delete(key);
  }
  async abortIncompleteUploads(prefix: string): Promise<number> {
    this.check();
    return this.inner.abortIncompleteUploads(prefix);
  }
  async close(): Promise<void> {}
}

export function ofType<T extends EngineEvent['type']>(
  events: TimedEvent[],
  type: T,
): Array<{ at: number; event: Extract<EngineEvent, { type: T }> }> {
  return events.filter((e) => e.event.type === type) as Array<{
    at: number;
    event: Extract<EngineEvent, { type: T }>;
  }>;
}
