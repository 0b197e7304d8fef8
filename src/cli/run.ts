import type { AppService, AppServiceOptions } from '../core/service/AppService.js';
import { catchInterrupts, Interrupted } from './jobs.js';
import { type OutputOptions, reportError } from './output.js';

export interface RunCommandOptions {
  /** A long command (download, sync, verify): SIGINT/SIGTERM are caught from the start (see runJob). */
  interruptible?: boolean;
}

/**
 * Runs a command body against one application service (the same the window uses) and turns any failure
 * into a clear message and its category's exit code; the service is closed whatever happens. An interrupt
 * prints its one line and exits 130 (SIGINT) or 143 (SIGTERM).
 */
export async function runCommand(
  options: OutputOptions,
  body: (service: AppService) => Promise<void>,
  serviceOptions: AppServiceOptions = {},
  run: RunCommandOptions = {},
): Promise<void> {
  const release = run.interruptible ? catchInterrupts() : () => {};
  let service: AppService | undefined;
  try {
    // Loaded here, not at the top: `--version` and `--help` start without the engine, the journal's
    // SQLite, the watcher and the keychain module.
    const { AppService: Service } = await import('../core/service/AppService.js');
    service = new Service(serviceOptions);
    await body(service);
  } catch (e) {
    if (e instanceof Interrupted) {
      if (options.json) reportError(e, options);
      else process.stderr.write(`${e.message}\n`);
      process.exitCode = e.exitCode;
    } else process.exitCode = reportError(e, options);
  } finally {
    await service?.close().catch(() => {});
    release();
  }
}
