/**
 * The extraction worker: one archive, streamed in from the restore's thread (extractInWorker.ts), goes
 * through extractArchive (every hostile-archive rule, verify before write, remove on failure), whose
 * blocking writes are why it has a thread of its own.
 * It posts back how far it has read (the sender's window), the file bytes for progress, and its result;
 * asked to (a restore of one archive), it also posts the verified small files for the restore's thread
 * to write (PostedSmallFiles.ts).
 */
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { toSyncError } from '../model/errors.js';
import { findOsError } from '../model/osErrors.js';
import { extractArchive } from './ArchiveExtractor.js';
import {
  type ExtractWorkerData,
  type FromExtractWorker,
  osErrorOnWire,
  type ToExtractWorker,
} from './extractWorkerProtocol.js';
import { PostedSmallFiles } from './PostedSmallFiles.js';

/** Progress is posted at most this often (the restore throttles its events to 100 ms anyway). */
const BYTES_EVERY_MS = 50;

const port = parentPort;
if (!port) throw new Error('extractWorkerMain.ts runs as a worker thread only');
const { destDir, expected, postSmallFiles } = workerData as ExtractWorkerData;
const post = (m: FromExtractWorker): void => port.postMessage(m);

let received = 0;
const input = new Readable({
  // Called whenever the extraction wants more: what it has taken is the buffer's bytes gone.
  read() {
    post({ type: 'consumed', bytes: received - this.readableLength });
  },
});
const cancel = new AbortController();
const smallFiles = postSmallFiles ? new PostedSmallFiles(port) : undefined;
port.on('message', (m: ToExtractWorker) => {
  if (m.type === 'written' || m.type === 'write-failed') smallFiles?.receive(m);
  else if (m.type === 'chunk') {
    received += m.chunk.byteLength;
    input.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
  } else if (m.type === 'end') input.push(null);
  else if (m.type === 'fail') input.destroy(new Error(m.message));
  else cancel.abort();
});

let unsent = 0;
let lastSent = 0;
const flushBytes = (): void => {
  if (unsent > 0) post({ type: 'bytes', n: unsent });
  unsent = 0;
  lastSent = Date.now();
};

try {
  const { files } = await extractArchive(input, destDir, expected, {
    signal: cancel.signal,
    ...(smallFiles ? { smallFiles } : {}),
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
port.close();
