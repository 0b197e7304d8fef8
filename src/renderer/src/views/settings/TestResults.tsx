/** The connection test's checks, each in words: what was tried, how it went, what to do. */
import type { CommandResponse } from '../../../../shared/commands';
import { HintView } from '../../components/ErrorBox';

type Check = CommandResponse<'settings.test'>['checks'][number];

export function TestResults({ checks }: { checks: Check[] }) {
  return (
    <ul className="checks" aria-label="Connection test results" data-testid="test-results">
      {checks.map((c) => (
        <li key={c.name} className={c.ok ? 'check check-ok' : 'check check-bad'}>
          <p>
            <strong>{c.ok ? 'Works' : 'Failed'}</strong> · {c.name} <span className="muted">({c.ms} ms)</span>
          </p>
          <p>{c.detail}</p>
          <HintView hint={c.hint} />
        </li>
      ))}
    </ul>
  );
}
