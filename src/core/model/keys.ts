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

/** A folder name has at most 255 bytes on ext4, APFS, NTFS (UTF-16 units there) and in an S3 key segment. */
export const SWEEP_NAME_MAX_BYTES = 255;

/**
 * Why `name` can't be a sweep's name in the cloud layout, or null if it can. A sweep's name is one path
 * segment of every object key (`{sweep}/…`), a row's name in the catalog and a folder name on download,
 * so anything a folder may be called is fine — spaces, non-ASCII letters, punctuation — except what is
 * not one segment or can't be written down: empty, "." and "..", "/" and "\", control characters, names
 * of more than 255 bytes, text that isn't valid Unicode, and a leading "." (hidden: reserved for the
 * stores' own folders, e.g. a local store's .tmp and .meta).
 */
export function sweepNameProblem(name: string): string | null {
  if (name === '') return 'a sweep name cannot be empty';
  if (name === '.' || name === '..')
    return `"${name}" means ${name === '.' ? 'this folder' : 'the parent folder'}, not a name`;
  if (name.includes('/')) return 'it contains "/", which separates folders: a name is one folder name';
  if (name.includes('\\'))
    return 'it contains "\\", which separates folders on Windows: a name is one folder name';
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(name);
  if (control) {
    const cp = control[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
    return `it contains the control character U+${cp}, which can't be typed or shown in a name`;
  }
  if (!isWellFormed(name)) return 'it is not valid Unicode text (a lone surrogate)';
  if (name.startsWith('.'))
    return 'it starts with ".": hidden names are reserved for the stores\' own folders (.tmp, .meta)';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > SWEEP_NAME_MAX_BYTES)
    return `it is ${bytes} bytes long in UTF-8; a folder name has at most ${SWEEP_NAME_MAX_BYTES}`;
  return null;
}

function isWellFormed(s: string): boolean {
  return !/\p{Cs}/u.test(s);
}

/**
 * The sweep's name in the cloud layout and the catalog, from its folder name (or --name): checked, and
 * normalised to Unicode NFC, so that the same name typed on Linux or Windows (NFC) and read from a macOS
 * HFS+ folder (NFD: "u" + U+0308 for "ü") is one sweep, one key prefix and one catalog row. The folder
 * itself is read by its path, untouched. `sweepNameNormalised` tells a caller that wants to say so.
 */
export function validateSweepName(name: string): string {
  const problem = sweepNameProblem(name);
  if (problem) {
    throw new SyncError(
      'usage',
      `"${printable(name)}" can't be used as a sweep name: ${problem}.`,
      {
        text: 'Rename the folder, or give the sweep another name (any single folder name works, e.g. "sweep ü 2").',
        action: { kind: 'rename-sweep' },
      },
      { code: 'sweep-name-invalid' },
    );
  }
  return name.normalize('NFC');
}

/**
 * A sweep name as a user typed it to look a sweep up (download, verify, revisions, a search): in NFC, as
 * validateSweepName stores names, so "u" + U+0308 from a macOS terminal finds the sweep synced as "ü". Not
 * checked: a name no sweep can have just finds nothing ("no synced sweep named …").
 */
export const typedSweepName = (name: string): string => name.normalize('NFC');

/** Whether validateSweepName changes `name` (it was not in NFC), for a caller that reports it. */
export const sweepNameNormalised = (name: string): boolean => name.normalize('NFC') !== name;

/** A name in a message: control characters shown as \u escapes, never sent to the terminal raw. */
function printable(name: string): string {
  return name.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
