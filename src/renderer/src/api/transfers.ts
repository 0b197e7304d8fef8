/**
 * Live transfers (a sync's upload, a restore's download, a verify) as the overview shows them: one per
 * job, or per sweep for the watcher's syncs. Progress events replace a transfer in the cached overview;
 * each copy remembers when it arrived, so a "time left" label can count down between two events.
 */
import type { Transfer } from '../../../shared/commands';
import type { AppEvent, EngineEvent, JobKind } from '../../../shared/events';
import { transferFromProgress } from '../../../shared/transfers';

const received = new WeakMap<object, number>();

export function stamp<T extends object>(value: T, at = Date.now()): T {
  received.set(value, at);
  return value;
}

/** When this copy of a transfer arrived (now, if it was never stamped). */
export function receivedAt(value: object, now: number): number {
  return received.get(value) ?? now;
}

export function transferKey(t: { jobId: string | null; kind: JobKind; sweep: string }): string {
  return t.jobId ?? `${t.kind}:${t.sweep}`;
}

/** The transfer a progress event describes, stamped with when it arrived. */
export function transferOf(
  envelope: AppEvent,
  e: Extract<EngineEvent, { type: 'progress' }>,
  known?: { kind: JobKind; path: string | null },
): Transfer {
  return stamp(transferFromProgress(envelope, e, known));
}

/** One object in flight inside a transfer (a sync uploads several archives at once). */
export interface ObjectProgress {
  key: string;
  bytesDone: number;
  bytesTotal: number;
}

/** A transfer as the window keeps it: the contract's, plus every object seen in flight. */
export type LiveTransfer = Transfer & { objects?: ObjectProgress[] };

/** The objects to show: those still in flight, the one just updated in place (finished ones drop out). */
function objectsAfter(
  prev: ObjectProgress[],
  next: Transfer['object'],
  phase: Transfer['phase'],
): ObjectProgress[] {
  if (phase !== 'uploading' && phase !== 'downloading') return [];
  const kept = prev.filter((o) => o.bytesDone < o.bytesTotal || o.key === next?.key);
  if (!next) return kept;
  const i = kept.findIndex((o) => o.key === next.key);
  if (i < 0) return [...kept, { ...next }];
  const out = kept.slice();
  out[i] = { ...next };
  return out;
}

/** `list` with `t` in place of the transfer it updates (or added). */
export function upsertTransfer(list: LiveTransfer[], t: Transfer): LiveTransfer[] {
  const key = transferKey(t);
  const i = list.findIndex((x) => transferKey(x) === key);
  const prev = i < 0 ? undefined : list[i];
  const live: LiveTransfer = stamp({
    ...t,
    objects: objectsAfter(prev?.objects ?? (prev?.object ? [prev.object] : []), t.object, t.phase),
  });
  if (i < 0) return [...list, live];
  const out = list.slice();
  out[i] = live;
  return out;
}

export function removeTransfers(list: Transfer[], match: (t: Transfer) => boolean): Transfer[] {
  return list.some(match) ? list.filter((t) => !match(t)) : list;
}

/** An object finished (or was reused): it leaves the list of objects in flight of its sweep's transfers. */
export function objectDone(list: LiveTransfer[], sweep: string, key: string): LiveTransfer[] {
  if (!list.some((t) => t.sweep === sweep && t.objects?.some((o) => o.key === key))) return list;
  return list.map((t) =>
    t.sweep === sweep && t.objects?.some((o) => o.key === key)
      ? stamp({ ...t, objects: t.objects.filter((o) => o.key !== key) }, receivedAt(t, Date.now()))
      : t,
  );
}
