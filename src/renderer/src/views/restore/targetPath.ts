/** Checks a restore target typed by hand before it is sent: it must be an absolute path. */
export function targetProblem(path: string): string | null {
  const p = path.trim();
  if (p === '') return 'Enter the folder to restore into.';
  if (p.startsWith('~'))
    return 'Write the full path (~ is not expanded here), e.g. /home/you/restored/sweep.';
  if (/^\//.test(p) || /^[A-Za-z]:[\\/]/.test(p) || /^\\\\[^\\]+\\/.test(p)) return null;
  return 'Enter a full path, starting with / (or a drive such as C:\\ on Windows).';
}
