/**
 * The extraction worker: one archive, streamed in from the restore's thread (extractInWorker.ts), goes
 * through extractArchive (every hostile-archive rule, verify before write, remove on failure), whose
 * blocking writes are why it has a thread of its own.
 * It posts back how far it has read (the sender's window), the file bytes for progress, and its result;
 * asked to (a restore of one archive), it also posts the verified small files for the restore's thread
 * to write (PostedSmallFiles.ts).
 * It is started before its archive is known and given it by a 'start' message (extractInWorker.ts).
 */
import { pipeline, Readable, Transform } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { toSyncError } from '../model/errors.js';
import { findOsError, osErrorOnWire } from '../model/osErrors.js';
import { extractArchive } from './ArchiveExtractor.js';
import type { ExtractWorkerData, FromExtractWorker, ToExtractWorker } from './extractWorkerProtocol.js';
import { PostedSmallFiles } from './PostedSmallFiles.js';

/** Progress is posted at most this often (the restore throttles its events to 100 ms anyway). */
const BYTES_EVERY_MS = 50;

const port = parentPort;
if (!port) throw new Error('extractWorkerMain.ts runs as a worker thread only');
const post = (m: FromExtractWorker): void => port.postMessage(m);

/** The archive's bytes as they arrive, and how to stop: made by the 'start' message. */
let job: {
  /** Where the bytes arrive (pushed as their messages come). */
  input: Readable;
  /** The same bytes as the extraction takes them. */
  taken: Readable;
  cancel: AbortController;
  smallFiles?: PostedSmallFiles;
} | null = null;

// One listener for the worker's life: the job is set up synchronously by 'start', so the messages
// right behind it (the first chunks) find it ready. A worker may be started before its archive is known
// (the restore starts its workers while it reads the manifest) and waits here for it.
port.on('message', (m: ToExtractWorker) => {
  if (m.type === 'start') {
    job = startJob(m.job);
    return;
  }
  if (!job) return; // only 'start' comes first (extractInWorker.ts)
  if (m.type === 'written' || m.type === 'write-failed') job.smallFiles?.receive(m);
  else if (m.type === 'chunk')
    job.input.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
  else if (m.type === 'end') job.input.push(null);
  else if (m.type === 'fail') job.input.destroy(new Error(m.message));
  else job.cancel.abort();
});

function startJob(data: ExtractWorkerData): NonNullable<typeof job> {
  // The sender's window moves on what the extraction has taken, posted chunk by chunk as it takes them.
  // (Not from the input's read(), which a stream calls at most once per push: with chunks of half the
  // window or more, the sender waited for a report that the worker, given nothing more, never sent.)
  const input = new Readable({ read() {} });
  let taken = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      taken += chunk.length;
      post({ type: 'consumed', bytes: taken });
      done(null, chunk);
    },
  });
  pipeline(input, counted, () => {}); // an input destroyed ('fail') fails what the extraction reads
  const started: NonNullable<typeof job> = {
    input,
    taken: counted,
    cancel: new AbortController(),
    ...(data.postSmallFiles ? { smallFiles: new PostedSmallFiles(port!) } : {}),
  };
  void extract(data, started).finally(() => port!.close());
  return started;
}

async function extract(data: ExtractWorkerData, j: NonNullable<typeof job>): Promise<void> {
  let unsent = 0;
  let lastSent = 0;
  const flushBytes = (): void => {
    if (unsent > 0) post({ type: 'bytes', n: unsent });
    unsent = 0;
    lastSent = Date.now();
  };
  try {
    const { files } = await extractArchive(j.taken, data.destDir, data.expected, {
      signal: j.cancel.signal,
      ...(j.smallFiles ? { smallFiles: j.smallFiles } : {}),
      onBytes: (n) => {
        unsent += n;
        if (Date.now() - lastSent >= BYTES_EVERY_MS) flushBytes();
      },
    });
    flushBytes();
    post({ type: 'done', files });
  } catch (e) {
    flushBytes();
    const os = findOsError(e);
    post({ type: 'error', error: toSyncError(e).toAppError(), ...(os ? { os: osErrorOnWire(os) } : {}) });
  }
}
