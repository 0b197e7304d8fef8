/** Which revision a warning concerns: a shrunk comparison.csv names the kept revision that has every row. */
export function warningRevision(message: string): number | undefined {
  const m = /[Rr]evision (\d+) is kept/.exec(message) ?? /since revision (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}
