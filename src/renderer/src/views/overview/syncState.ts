/**
 * The overview's one state and sentence: derived in src/shared/syncState.ts, which the tray uses too (so
 * the tray and the window never disagree); here it only learns when each transfer's progress arrived.
 */
import type { ErrorCategory } from '../../../../shared/errors';
import { deriveSyncState as derive, type SyncState } from '../../../../shared/syncState';
import type { Overview } from '../../api/queries';
import { receivedAt } from '../../api/transfers';

export {
  isTransientFailure,
  STATE_LABELS,
  type SyncState,
  type SyncStateKind,
} from '../../../../shared/syncState';

export function deriveSyncState(
  o: Overview,
  categories: ReadonlyMap<string, ErrorCategory>,
  now: number,
): SyncState {
  return derive(o, categories, now, { receivedAt: (t) => receivedAt(t, now) });
}
