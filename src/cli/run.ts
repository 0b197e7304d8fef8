import { type OutputOptions, reportError } from './output.js';

/** Runs a command body and turns any failure into a clear message and its category's exit code. */
export async function runCommand(options: OutputOptions, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    process.exitCode = reportError(e, options);
  }
}
