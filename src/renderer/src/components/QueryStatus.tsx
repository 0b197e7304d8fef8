/** Loading and error states of a query, the same everywhere. */
import { ErrorBox } from './ErrorBox';

export function QueryStatus({
  isPending,
  error,
  what,
}: {
  isPending: boolean;
  error: unknown;
  what: string;
}) {
  if (error) return <ErrorBox error={error} title={`Could not load ${what}`} />;
  if (isPending)
    return (
      <p className="muted" aria-live="polite">
        Loading {what}…
      </p>
    );
  return null;
}
