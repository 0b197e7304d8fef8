/**
 * Member-path rules shared by the writer and the extractor. A member path is a sweep-relative
 * posix path such as `passive/runs/grid_0123456789ab/run.html`. Archives come back from a
 * remote store we don't fully trust, so the extractor treats every name as hostile until it
 * passes `memberPathProblem`.
 */
import path from 'node:path';

/**
 * Why `p` is not a safe relative member path, or undefined when it is. Refuses absolute paths
 * (posix and Windows, including drive letters and UNC), backslashes (a separator on Windows),
 * `.`/`..`/empty segments, NUL and other control characters.
 */
export function memberPathProblem(p: string): string | undefined {
  if (p.length === 0) return 'has an empty path';
  if (p.startsWith('/')) return 'has an absolute path';
  if (/^[A-Za-z]:/.test(p)) return 'has a Windows drive-letter path';
  if (p.includes('\\')) return 'contains a backslash (a path separator on Windows)';
  if (/[\u0000-\u001f]/.test(p)) return 'contains control characters';
  for (const seg of p.split('/')) {
    if (seg === '..') return "contains a '..' segment that would escape the destination";
    if (seg === '.' || seg === '') return 'contains an empty or "." segment';
  }
  return undefined;
}

/**
 * Absolute path of member `rel` under `root`, re-checked after resolution so that no
 * combination of rules above and platform path semantics can land outside `root`.
 */
export function resolveInside(root: string, rel: string): string {
  const base = path.resolve(root);
  const abs = path.resolve(base, ...rel.split('/'));
  if (!abs.startsWith(base + path.sep)) {
    throw new Error(`${rel} resolves outside ${base}`);
  }
  return abs;
}
