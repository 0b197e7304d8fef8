import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A worker entry of the built CLI (out/cli/<fileName>) as seen from the module at `here`: next to the
 * bundle holding it, or one folder up from a shared chunk (out/cli/chunks/). Null when neither exists.
 */
export function builtWorkerEntry(fileName: string, here: string): { path: string | null; looked: string[] } {
  const looked = [`./${fileName}`, `../${fileName}`].map((c) => fileURLToPath(new URL(c, here)));
  return { path: looked.find((p) => existsSync(p)) ?? null, looked };
}
