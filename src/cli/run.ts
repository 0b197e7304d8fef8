import type { AppService, AppServiceOptions } from '../core/service/AppService.js';
import { type OutputOptions, reportError } from './output.js';

/**
 * Runs a command body against one application service (the same the window uses) and turns any failure
 * into a clear message and its category's exit code; the service is closed whatever happens.
 */
export async function runCommand(
  options: OutputOptions,
  body: (service: AppService) => Promise<void>,
  serviceOptions: AppServiceOptions = {},
): Promise<void> {
  // Loaded here, not at the top: `--version` and `--help` start without the engine, the journal's
  // SQLite, the watcher and the keychain module.
  const { AppService: Service } = await import('../core/service/AppService.js');
  const service = new Service(serviceOptions);
  try {
    await body(service);
  } catch (e) {
    process.exitCode = reportError(e, options);
  } finally {
    await service.close().catch(() => {});
  }
}
