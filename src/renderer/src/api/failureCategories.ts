/**
 * Why each sweep's last sync failed, by error category, as the event stream told it (sync-failed carries
 * the category; the journal's sweep rows keep only the text). The overview uses it to tell "offline" (a
 * transient failure talking to a destination) from "needs attention".
 */
import { useSyncExternalStore } from 'react';
import type { ErrorCategory } from '../../../shared/errors';

let categories: ReadonlyMap<string, ErrorCategory> = new Map();
const listeners = new Set<() => void>();

function set(next: Map<string, ErrorCategory>): void {
  categories = next;
  for (const l of listeners) l();
}

export function recordFailure(sweep: string, category: ErrorCategory): void {
  if (categories.get(sweep) === category) return;
  set(new Map(categories).set(sweep, category));
}

export function clearFailure(sweep: string): void {
  if (!categories.has(sweep)) return;
  const next = new Map(categories);
  next.delete(sweep);
  set(next);
}

export function useFailureCategories(): ReadonlyMap<string, ErrorCategory> {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => categories,
  );
}
