/**
 * The connection test's checks, each in words: what was tried, how it went, what to do — shown next to
 * the destination they concern (the object store's under its section, the catalog's under its own), not
 * in the sticky save bar where they would cover the form. A test that could not run at all says why in
 * the object store's place (the first one).
 */
import type { CommandResponse } from '../../../../shared/commands';
import { appErrorOf } from '../../api/client';
import { ErrorBox, HintView } from '../../components/ErrorBox';

type Check = CommandResponse<'settings.test'>['checks'][number];
export type Destination = 'objectStore' | 'catalog';

const PREFIX: Record<Destination, string> = { objectStore: 'object store', catalog: 'catalog' };
const TITLE: Record<Destination, string> = {
  objectStore: 'Object store connection test',
  catalog: 'Catalog connection test',
};

/** The checks that concern `destination` (by the name each check is given: "object store: …", "catalog: …"). */
export function checksFor(checks: Check[], destination: Destination): Check[] {
  return checks.filter((c) => c.name.toLowerCase().startsWith(PREFIX[destination]));
}

export function TestResults({
  checks,
  error,
  destination,
}: {
  checks: Check[] | undefined;
  /** The test request's own failure (shown in the object store's place only). */
  error?: unknown;
  destination: Destination;
}) {
  const mine = checksFor(checks ?? [], destination);
  const failure = destination === 'objectStore' && error ? error : null;
  if (mine.length === 0 && !failure) return null;
  return (
    <section
      className="card test-results"
      aria-label={TITLE[destination]}
      data-testid={`test-results-${destination}`}
      id={`test-results-${destination}`}
    >
      {failure ? <ErrorBox error={appErrorOf(failure)} title="The connection test could not run" /> : null}
      <ul className="checks" aria-label={`${TITLE[destination]} results`}>
        {mine.map((c) => (
          <li key={c.name} className={c.ok ? 'check check-ok' : 'check check-bad'}>
            <p>
              <strong>{c.ok ? 'Works' : 'Failed'}</strong> · {c.name}{' '}
              <span className="muted">({c.ms} ms)</span>
            </p>
            <p>{c.detail}</p>
            <HintView hint={c.hint} />
          </li>
        ))}
      </ul>
    </section>
  );
}
