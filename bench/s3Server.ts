// s3rver in a process of its own, as the test suite starts it (test/support/s3.ts), so that the S3
// server's CPU and memory are never counted as the CLI's. Prints one JSON line with the connection
// details, then serves until SIGTERM/SIGINT.
import { startTestS3 } from '../test/support/s3.js';

const s3 = await startTestS3();
process.stdout.write(
  `${JSON.stringify({
    endpoint: s3.endpoint,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    bucket: s3.bucket,
    directory: s3.directory,
  })}\n`,
);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await s3.stop().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent closing our stdin (it died) also stops us.
process.stdin.on('end', stop);
process.stdin.resume();
