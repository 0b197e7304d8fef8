/**
 * extractArchive on a worker thread of its own: the restore's thread only passes the archive's bytes
 * along (with a window, so a slow disk holds the download back) while the worker un-gzips, checks and
 * writes with blocking calls (see ArchiveExtractor.ts). Two archives restore on two cores at once. Same contract as
 * extractArchive: the same result, the same errors (an OS error keeps its code, so the restore still
 * words a full disk as one), nothing left behind on failure; the worker has cleaned up before this
 * settles.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { builtWorkerEntry } from '../async/builtWorker.js';
import { SyncError } from '../model/errors.js';
import { findOsError, osErrorFromWire, osErrorOnWire } from '../model/osErrors.js';
import type { FileEntry } from '../model/types.js';
import type { ExtractOptions, ExtractResult } from './ArchiveExtractor.js';
import type {
  ExtractWorkerData,
  FromExtractWorker,
  PostedFile,
  ToExtractWorker,
} from './extractWorkerProtocol.js';
import { StagingFiles } from './StagingFiles.js';

/** A small young generation: the worker's garbage is short-lived chunks, and V8's default (16 MB
 *  semi-spaces on 64-bit) only holds more of it before a collection. Measured on the "today" sweep's
 *  restore: peak RSS 193 MB with 2 MB, 227 MB with the default, the same time. */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

/** Archive bytes sent and not yet taken by the worker, at most: bounds what waits in its queue. */
const WINDOW_BYTES = 1024 * 1024;

export interface ExtractInWorkerOptions extends Omit<ExtractOptions, 'smallFiles'> {
  /**
   * Write the archive's small files on this thread, with blocking calls, while the worker un-gzips and
   * verifies: for a restore with one archive, whose thread would otherwise idle while one worker does
   * everything. Not for several archives at once: then the workers already keep the cores busy, and
   * this thread would write every archive's files alone.
   */
  writeSmallFilesHere?: boolean;
  /** Workers started ahead (a restore starts them while it reads the manifest): one is taken if idle. */
  workers?: ExtractWorkers;
}

/**
 * Extraction workers started before their archives are known. A worker takes ~40-110 ms to start and
 * load its modules (more on a busy machine); a restore starts them as it begins, so that they are
 * ready when its first archive's bytes arrive instead of after. A worker that failed to start (out of
 * file descriptors) is not handed out: `take` starts a fresh one, whose failure is then reported as
 * any other start's. `close` ends the ones nobody took.
 */
export class ExtractWorkers {
  private readonly idle: Array<{ worker: Worker; failed: boolean }> = [];

  /** Starts workers until `count` are idle (none once it can't: `take` reports why). */
  prestart(count: number): void {
    while (this.idle.length < count) {
      try {
        const started = { worker: startWorker(), failed: false };
        const failed = () => {
          started.failed = true;
        };
        started.worker.once('error', failed).once('exit', failed);
        this.idle.push(started);
      } catch {
        return;
      }
    }
  }

  take(): Worker {
    for (let w = this.idle.shift(); w; w = this.idle.shift()) {
      if (!w.failed) return w.worker;
      void w.worker.terminate();
    }
    return startWorker();
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((w) => w.worker.terminate()));
  }
}

export async function extractArchiveInWorker(
  input: Readable,
  destDir: string,
  expected: Map<string, FileEntry> | FileEntry[],
  options: ExtractInWorkerOptions = {},
): Promise<ExtractResult> {
  const data: ExtractWorkerData = {
    destDir,
    expected: expected instanceof Map ? [...expected.values()] : expected,
    postSmallFiles: options.writeSmallFilesHere === true,
  };
  // What this thread wrote for the worker (writeSmallFilesHere): removed here if the extraction fails.
  const here = options.writeSmallFilesHere ? new StagingFiles(destDir) : null;
  let writeFailed = false;
  let workerLeft: string[] = [];
  let worker: Worker;
  try {
    worker = options.workers ? options.workers.take() : startWorker();
  } catch (e) {
    throw e instanceof SyncError ? e : workerError(e as Error);
  }
  const send = (m: ToExtractWorker): void => worker.postMessage(m);
  send({ type: 'start', job: data });
  const onBytes = options.onBytes ?? (() => {});
  let sent = 0;
  let consumed = 0;
  let paused = false;

  const onData = (chunk: Buffer): void => {
    send({ type: 'chunk', chunk });
    sent += chunk.length;
    if (!paused && sent - consumed > WINDOW_BYTES) {
      paused = true;
      input.pause();
    }
  };
  /** A batch of verified small files (writeSmallFilesHere); after a failed one the worker stops, the rest is dropped. */
  const writeFiles = (buffer: ArrayBuffer, files: PostedFile[]): void => {
    if (!here || writeFailed) return;
    let at = 0; // also the bytes written so far
    for (const [name, abs, length, mtimeSec] of files) {
      try {
        here.writeWhole(abs, new Uint8Array(buffer, at, length), mtimeSec);
      } catch (e) {
        writeFailed = true;
        const os = findOsError(e);
        send({ type: 'write-failed', name, os: os ? osErrorOnWire(os) : { message: (e as Error).message } });
        return;
      }
      at += length;
    }
    send({ type: 'written', bytes: at });
  };
  const onEnd = (): void => send({ type: 'end' });
  const onError = (e: Error): void => send({ type: 'fail', message: e.message });
  // Before the input's own error (a destroyed download reports it a tick later): the worker then
  // fails as cancelled, not as a broken stream.
  const onAbort = (): void => send({ type: 'abort' });

  try {
    return await new Promise<ExtractResult>((resolve, reject) => {
      worker.on('message', (m: FromExtractWorker) => {
        if (m.type === 'consumed') {
          consumed = m.bytes;
          if (paused && sent - consumed <= WINDOW_BYTES / 2) {
            paused = false;
            input.resume();
          }
        } else if (m.type === 'bytes') onBytes(m.n);
        else if (m.type === 'files') writeFiles(m.data, m.files);
        else if (m.type === 'left-behind') workerLeft = m.dirs;
        else if (m.type === 'done') resolve({ files: m.files });
        else {
          const cause = m.os ? osErrorFromWire(m.os) : undefined;
          const { category, message, hint, code, field } = m.error;
          reject(new SyncError(category, message, hint ?? undefined, { code, field, cause }));
        }
      });
      // A worker that could not start for want of file descriptors (it opens its modules) fails as
      // the restore's own opens do: the restore then goes on with fewer objects at once (openFiles.ts).
      worker.on('error', (e) => reject(workerError(e)));
      worker.on('exit', (code) => reject(workerFailed(`it exited with code ${code}`)));
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      input.on('data', onData);
      input.on('end', onEnd);
      input.on('error', onError);
    });
  } catch (e) {
    // The worker has removed its own files before it answered; folders of its that held ours go now.
    await here?.removeAll(workerLeft);
    throw e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    input.off('data', onData);
    input.off('end', onEnd);
    input.off('error', onError);
    input.on('error', () => {}); // a late error of the abandoned input has nobody else to hear it
    input.pause();
    await worker.terminate();
  }
}

/** A worker that could not start for want of file descriptors (it opens its modules; the thread
 *  itself needs a few: "Worker initialization failure: EMFILE") fails as the restore's own opens do,
 *  so the restore goes on with fewer objects at once (openFiles.ts). Anything else is our fault. */
function workerError(e: Error): Error {
  if (findOsError(e, true)) return e;
  const errno = /\b(EMFILE|ENFILE)\b/.exec(e.message)?.[1];
  if (!errno) return workerFailed(e.message);
  const message = `${errno}: too many open files, starting the archive's extraction worker`;
  return Object.assign(new Error(message, { cause: e }), { code: errno, syscall: 'worker' });
}

function workerFailed(why: string): SyncError {
  return new SyncError(
    'internal',
    `The archive's extraction worker stopped before it finished (${why}).`,
    'Run the restore again; if it fails the same way, report it with the log.',
    { code: 'extract-worker-failed' },
  );
}

/**
 * The worker's entry: the built `extractWorker.js` next to the bundle holding this module (or one
 * folder up from a shared chunk), as engineHost.js is found; from the TypeScript sources (tests,
 * development) the worker loads extractWorkerMain.ts through tsx's API, since a worker thread does
 * not take tsx's `--import` hooks on Node 20.
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const tsxApi = join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs');
    const entry = new URL('./extractWorkerMain.ts', here).href;
    const boot = `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
    return new Worker(boot, { eval: true, resourceLimits: WORKER_LIMITS });
  }
  const { path: entry, looked } = builtWorkerEntry('extractWorker.js', here);
  if (!entry) {
    throw new SyncError(
      'internal',
      `The archive extraction worker is missing (looked for ${looked.join(', ')}).`,
      'Rebuild the app (npm run build) or reinstall it.',
      { code: 'extract-worker-missing' },
    );
  }
  return new Worker(entry, { resourceLimits: WORKER_LIMITS });
}
