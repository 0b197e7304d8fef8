/** The last results and the warnings the journal keeps, each leading to where it can be looked into. */
import type { Overview } from '../../api/queries';
import { RelativeTime } from '../../components/RelativeTime';
import { href } from '../../router';
import { ResultBadge } from '../activity/ResultBadge';
import { warningRevision } from '../activity/warnings';

export function RecentPanel({ overview: o }: { overview: Overview }) {
  const warnings = o.warnings.slice(0, 5);
  const results = o.lastResults.slice(0, 5);
  return (
    <section className="card" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent</h2>
      {results.length === 0 ? <p className="muted">No sync, restore or verify yet.</p> : null}
      <ul className="recent-list">
        {results.map((a) => (
          <li key={a.id}>
            <RelativeTime iso={a.finishedAt ?? a.startedAt} /> · {a.kind} <strong>{a.sweep}</strong>{' '}
            <ResultBadge result={a.result} kind={a.kind} />
            {a.error ? <span className="error-text"> {a.error}</span> : null}
          </li>
        ))}
      </ul>
      <p>
        <a href={href({ view: 'activity' })}>Every attempt</a>
      </p>
      {warnings.length > 0 ? (
        <>
          <h3>Warnings</h3>
          <ul className="warning-list">
            {warnings.map((w) => {
              const revision = warningRevision(w.message);
              return (
                <li key={`${w.at}-${w.message}`} className={`level-${w.level}`}>
                  <RelativeTime iso={w.at} /> · {w.message}
                  {w.sweep ? (
                    <>
                      {' '}
                      {revision ? (
                        <a href={href({ view: 'sweep', name: w.sweep, revision })}>
                          Open revision {revision}
                        </a>
                      ) : (
                        <a href={href({ view: 'activity', sweep: w.sweep })}>Attempts of {w.sweep}</a>
                      )}
                    </>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </section>
  );
}
