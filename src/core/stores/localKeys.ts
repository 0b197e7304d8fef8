import { join } from 'node:path';
import { SyncError } from '../model/errors.js';

/** Folders of a local store's root that hold its own bookkeeping, never objects. */
export const LOCAL_TMP_DIR = '.tmp';
export const LOCAL_META_DIR = '.meta';
const RESERVED = new Set([LOCAL_TMP_DIR, LOCAL_META_DIR]);

/**
 * Check an object key before it becomes a path under the store's root: a key must never reach outside
 * the root or into the store's own folders, and must mean the same file on every OS.
 */
export function checkLocalKey(key: string): string {
  const problem = keyProblem(key);
  if (problem) throw new SyncError('usage', `Invalid object key "${key}": ${problem}.`);
  return key;
}

function keyProblem(key: string): string | null {
  if (key === '') return 'it is empty';
  if (key.startsWith('/')) return 'it starts with "/" (keys are relative)';
  if (key.includes('\\')) return 'it contains a backslash';
  if (key.includes('\0')) return 'it contains a NUL character';
  if (/^[A-Za-z]:(\/|$)/.test(key)) return 'it looks like a Windows drive path';
  const segments = key.split('/');
  if (segments.some((s) => s === '')) return 'it has an empty segment ("//" or a trailing "/")';
  if (segments.some((s) => s === '.' || s === '..')) return 'it has a "." or ".." segment';
  if (RESERVED.has(segments[0]!)) return `"${segments[0]}" is reserved for the store's own files`;
  return null;
}

/** A list() prefix may end mid-segment or with "/", but must not climb out of the root either. */
export function checkLocalPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const segments = prefix.split('/');
  const bad =
    prefix.startsWith('/') ||
    prefix.includes('\\') ||
    prefix.includes('\0') ||
    segments.slice(0, -1).some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new SyncError('usage', `Invalid key prefix "${prefix}".`);
  return prefix;
}

export function localObjectPath(root: string, key: string): string {
  return join(root, ...key.split('/'));
}

export function localMetaPath(root: string, key: string): string {
  // The meta tree mirrors the object tree exactly (no suffix), so two keys clash in one tree exactly
  // when they clash in the other ("a" vs "a/b"), never because of a suffix ("a" vs "a.json/b").
  return join(root, LOCAL_META_DIR, ...key.split('/'));
}
