import { SyncError } from './errors.js';

/**
 * Object keys of the cloud layout (SPEC §2), relative to the store's prefix:
 *   {sweep}/aggregate/{file}, other loose files at their own path   stored as-is
 *   {sweep}/{unit}.tar.gz                                            one archive per branch ('runs' for a ring sweep)
 *   {sweep}/manifest.json                                            the latest revision, written last
 *   {sweep}/.revisions/{n}/manifest.json and preserved objects       earlier revisions kept restorable
 * Bilancio never writes dot-folders at a sweep root, so `.revisions/` cannot collide with sweep files.
 */
export const manifestKey = (sweep: string): string => `${sweep}/manifest.json`;
export const revisionsPrefix = (sweep: string): string => `${sweep}/.revisions/`;
export const revisionManifestKey = (sweep: string, revision: number): string =>
  `${revisionsPrefix(sweep)}${revision}/manifest.json`;
export const fileKey = (sweep: string, relPath: string): string => `${sweep}/${relPath}`;
export const archiveKey = (sweep: string, unit: string): string => `${sweep}/${unit}.tar.gz`;
/** Where an object of revision `revision` is kept once a newer revision overwrites its canonical key. */
export const preservedKey = (sweep: string, revision: number, canonicalKey: string): string =>
  `${revisionsPrefix(sweep)}${revision}/${canonicalKey.slice(sweep.length + 1)}`;

const SWEEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._+=-]{0,199}$/;

export function validateSweepName(name: string): string {
  if (!SWEEP_NAME.test(name)) {
    throw new SyncError(
      'usage',
      `"${name}" can't be used as a sweep name in the cloud layout.`,
      {
        text: 'Use letters, digits, ".", "_", "-" (no spaces or slashes), e.g. my_sweep_2026.',
        action: { kind: 'rename-sweep' },
      },
      { code: 'sweep-name-invalid' },
    );
  }
  return name;
}
