import { SingleBar } from 'cli-progress';
import type { EngineEvent } from '../shared/events.js';
import { formatBytes } from './output.js';

/**
 * Renders engine events for a person: a progress bar on a terminal (stderr), plain lines otherwise;
 * with --json, one JSON line per event on stdout for scripts.
 */
export function createProgressReporter(options: {
  json?: boolean;
  quiet?: boolean;
}): (e: EngineEvent) => void {
  if (options.json) return (e) => process.stdout.write(`${JSON.stringify({ event: e })}\n`);
  const tty = process.stderr.isTTY === true && !options.quiet;
  let bar: SingleBar | null = null;
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  return (e) => {
    switch (e.type) {
      case 'sync-started':
        if (tty && e.bytesTotal > 0) {
          bar = new SingleBar({
            format: `${e.sweep} [{bar}] {percentage}% | {done}/{total} | {speed} | ETA {eta_h}`,
            hideCursor: true,
            stream: process.stderr,
          });
          bar.start(e.bytesTotal, 0, {
            done: formatBytes(0),
            total: formatBytes(e.bytesTotal),
            speed: '…',
            eta_h: 'unknown',
          });
        } else if (!options.quiet) {
          process.stderr.write(
            `syncing ${e.sweep} as revision ${e.revision} (${formatBytes(e.bytesTotal)} to send)\n`,
          );
        }
        break;
      case 'progress':
        bar?.update(e.bytesDone, {
          done: formatBytes(e.bytesDone),
          total: formatBytes(e.bytesTotal),
          speed: e.bytesPerSecond ? `${formatBytes(e.bytesPerSecond)}/s` : '…',
          eta_h: e.etaSeconds == null ? 'unknown' : `${Math.ceil(e.etaSeconds)}s`,
        });
        break;
      case 'warning':
        stopBar();
        process.stderr.write(`warning: ${e.message}\n`);
        break;
      case 'sync-finished':
      case 'sync-failed':
        stopBar();
        break;
      default:
        break;
    }
  };
}
