/**
 * The queue (`queue.get`): what is settling (and for how long still), queued (or, with auto-sync off,
 * waiting for Sync now), syncing, failed (the reason
 * in words, when the next try runs, Retry), incomplete (bilancio crashed: "Sync as it stands", confirmed
 * first) and still being written by bilancio.
 */
import { useId } from 'react';
import type { CommandResponse } from '../../../../shared/commands';
import { formatClock, formatRelative, plural } from '../../../../shared/format';
import { useQueue } from '../../api/queries';
import { RetryButton, SyncAsItStandsButton } from '../../components/HintAction';
import { QueryStatus } from '../../components/QueryStatus';
import { useNow } from '../../hooks/useNow';

type Queue = CommandResponse<'queue.get'>;

/** Queue entries are mostly not synced yet: a name, not a link to a sweep page that may not exist. */
function SweepLink({ name }: { name: string }) {
  return <strong className="sweep-name">{name}</strong>;
}

function Section({ title, count, children }: { title: string; count: number; children: React.ReactNode }) {
  if (count === 0) return null;
  return (
    <section className="queue-section" aria-label={title}>
      <h3>
        {title} <span className="count">{count}</span>
      </h3>
      <ul className="queue-list">{children}</ul>
    </section>
  );
}

function FailedItem({ item }: { item: Queue['failed'][number] }) {
  const now = useNow();
  const id = useId();
  return (
    <li className="queue-item failed">
      <div>
        <span id={id}>
          <SweepLink name={item.name} />
        </span>
        <p className="reason">{item.reason ?? 'The last attempt failed.'}</p>
        <p className="muted">
          {plural(item.attempts, 'attempt')} ·{' '}
          {item.nextRetryAt
            ? `next try ${formatRelative(item.nextRetryAt, now)} (${formatClock(item.nextRetryAt, now)})`
            : 'no more automatic tries'}
        </p>
      </div>
      <RetryButton sweep={item.name} describedBy={id} />
    </li>
  );
}

function WaitingItem({ item }: { item: Queue['waiting'][number] }) {
  const now = useNow();
  const left = item.settlesAt ? Math.max(0, Date.parse(item.settlesAt) - now) : null;
  return (
    <li className="queue-item">
      <SweepLink name={item.name} />
      <span className="muted">
        {left === null
          ? 'waiting for the folder to be quiet'
          : left > 0
            ? `settles ${formatRelative(item.settlesAt, now)}`
            : 'settled, checking…'}
      </span>
    </li>
  );
}

export function QueuePanel() {
  const queue = useQueue();
  const q = queue.data;
  const total = q
    ? q.waiting.length +
      q.queued.length +
      q.syncing.length +
      q.failed.length +
      q.incomplete.length +
      q.running.length
    : 0;
  return (
    <section className="card" aria-labelledby="queue-title">
      <h2 id="queue-title">Queue</h2>
      <QueryStatus isPending={queue.isPending} error={queue.error} what="the queue" />
      {q && total === 0 ? <p className="muted">Nothing waiting.</p> : null}
      {q && !q.watching && total > 0 ? (
        <p className="muted">Not watching here: the queue as the journal last recorded it.</p>
      ) : null}
      {q ? (
        <>
          <Section title="Syncing" count={q.syncing.length}>
            {q.syncing.map((s) => (
              <li key={s.path} className="queue-item">
                <SweepLink name={s.name} />
              </li>
            ))}
          </Section>
          <Section title="Waiting to settle" count={q.waiting.length}>
            {q.waiting.map((s) => (
              <WaitingItem key={s.path} item={s} />
            ))}
          </Section>
          <Section title="Queued" count={q.queued.length}>
            {q.queued.some((s) => s.held) ? (
              <li className="queue-note muted" data-testid="queue-held-note">
                Auto-sync is off: these sweeps are found and ready, but nothing is uploaded until you press
                Sync now (or turn auto-sync on in Settings).
              </li>
            ) : null}
            {q.queued.map((s, i) => (
              <li key={s.path} className="queue-item">
                <SweepLink name={s.name} />
                <span className="muted">
                  {s.held
                    ? 'waiting for Sync now · auto-sync is off'
                    : i === q.queued.findIndex((x) => !x.held)
                      ? 'next'
                      : `#${i + 1}`}
                </span>
              </li>
            ))}
          </Section>
          <Section title="Failed" count={q.failed.length}>
            {q.failed.map((s) => (
              <FailedItem key={s.path} item={s} />
            ))}
          </Section>
          <Section title="Incomplete" count={q.incomplete.length}>
            {q.incomplete.map((s) => (
              <li key={s.path} className="queue-item incomplete">
                <div>
                  <SweepLink name={s.name} />
                  <p className="reason">
                    {s.reason ?? 'bilancio did not finish this sweep (it crashed or was stopped).'}
                  </p>
                </div>
                <SyncAsItStandsButton sweep={s.name} />
              </li>
            ))}
          </Section>
          <Section title="Being written by bilancio" count={q.running.length}>
            {q.running.map((s) => (
              <li key={s.path} className="queue-item">
                <SweepLink name={s.name} />
                <span className="muted">{s.reason ?? 'still running'}</span>
              </li>
            ))}
          </Section>
        </>
      ) : null}
    </section>
  );
}
