import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import type { AppEvent } from '../shared/events.js';
import { withHint } from './hints.js';
import { formatBytes } from './output.js';

/** cli-progress (a CommonJS package of some 25 files), loaded on the first bar drawn: most runs draw none
 *  (--json, no terminal, a no-op sync). */
function loadSingleBar(): typeof SingleBar {
  return (createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress')).SingleBar;
}

/**
 * Renders the service's events for a person: one progress bar per transfer (sync, download, verify) on a
 * terminal (stderr), plain lines otherwise; with --json, one JSON line per event on stdout for scripts.
 * Done and total are in the same units, with speed and time left; at the end it reads 100 % and 0 s.
 */
export function createProgressReporter(options: { json?: boolean; quiet?: boolean }): (e: AppEvent) => void {
  if (options.json) return (e) => process.stdout.write(`${JSON.stringify({ event: e.event })}\n`);
  const tty = process.stderr.isTTY === true && !options.quiet;
  let bar: SingleBar | null = null;
  let barFor: string | null = null;
  const stopBar = () => {
    bar?.stop();
    bar = null;
    barFor = null;
  };
  return ({ event: e }) => {
    switch (e.type) {
      case 'sync-started':
        if (!tty && !options.quiet) {
          process.stderr.write(
            `syncing ${e.sweep} as revision ${e.revision} (${formatBytes(e.bytesTotal)} to send)\n`,
          );
        }
        break;
      case 'progress': {
        if (!tty || e.bytesTotal === 0) break;
        const label = `${e.sweep} ${e.phase}`;
        if (barFor !== label) {
          stopBar();
          // Tokens of our own: cli-progress's {total} and {value} are raw numbers, not sizes.
          const Bar = loadSingleBar();
          bar = new Bar({
            format: `${label} [{bar}] {percentage}% | {doneText}/{totalText} | {speedText} | {etaText}`,
            hideCursor: true,
            stream: process.stderr,
          });
          bar.start(e.bytesTotal, 0, {
            doneText: formatBytes(0),
            totalText: formatBytes(e.bytesTotal),
            speedText: 'measuring speed',
            etaText: 'estimating time left',
          });
          barFor = label;
        }
        const finished = e.bytesDone >= e.bytesTotal;
        bar?.update(Math.min(e.bytesDone, e.bytesTotal), {
          doneText: formatBytes(e.bytesDone),
          totalText: formatBytes(e.bytesTotal),
          speedText: e.bytesPerSecond ? `${formatBytes(Math.round(e.bytesPerSecond))}/s` : 'measuring speed',
          etaText: finished
            ? 'done'
            : e.etaSeconds == null
              ? 'estimating time left'
              : `${Math.ceil(e.etaSeconds)} s left`,
        });
        break;
      }
      case 'warning':
        stopBar();
        process.stderr.write(`warning: ${withHint(e.message, e.hint)}\n`);
        break;
      case 'sync-finished':
      case 'sync-failed':
      case 'job-finished':
        stopBar();
        break;
      default:
        break;
    }
  };
}
