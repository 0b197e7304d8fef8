/**
 * Imported first by the engine process, before anything starts a thread: on Linux a niceness is per
 * thread and threads inherit it from the one that creates them, so lowering it here covers libuv's
 * threadpool (where gzip and file reads run) too. A backup tool should yield to the researcher's own
 * work and to the window (Syncthing does the same: its setLowPriority defaults to on).
 */
import { setPriority } from 'node:os';

/** Niceness 10 on Unix; "below normal" on Windows (libuv maps the value). */
const BACKGROUND = 10;

try {
  setPriority(BACKGROUND);
} catch {
  // Not allowed (a container may forbid it): run at normal priority.
}
