import { AppService, type AppServiceOptions } from '../core/service/AppService.js';
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
  const service = new AppService(serviceOptions);
  try {
    await body(service);
  } catch (e) {
    process.exitCode = reportError(e, options);
  } finally {
    await service.close().catch(() => {});
  }
}
