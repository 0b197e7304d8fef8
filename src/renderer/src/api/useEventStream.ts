/**
 * Subscribes the query cache to the engine's event stream for as long as the window is open. Each event
 * is applied once (by sequence number). Whenever the stream may have lost events, everything is refetched
 * (the missed ones may have changed anything): a gap in the sequence, a service that started again (its
 * numbering restarts at 1), or a bridge's reset marker (an envelope with seq 0: "I could not replay what
 * you missed").
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { applyEvent, type JobsSeen } from './applyEvent';
import { useClient } from './client';

export function useEventStream(): void {
  const client = useClient();
  const qc = useQueryClient();
  useEffect(() => {
    const controller = new AbortController();
    const jobs: JobsSeen = new Map();
    let last = 0;
    client.subscribe(
      (envelope) => {
        if (envelope.seq === 0) {
          last = 0;
          void qc.invalidateQueries();
          return;
        }
        const restarted = envelope.seq === 1 && last > 0;
        if (envelope.seq <= last && !restarted) return;
        const gap = restarted || (last > 0 && envelope.seq > last + 1);
        last = envelope.seq;
        applyEvent(qc, envelope, jobs);
        if (gap) void qc.invalidateQueries();
      },
      { signal: controller.signal },
    );
    return () => controller.abort();
  }, [client, qc]);
}
