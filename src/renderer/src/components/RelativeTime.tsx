/**
 * "4 min ago" for something that already happened, kept true by the shared 1 s clock, with the exact
 * time on hover. The clock can lag an event that just arrived by a second (or the event's machine run a
 * little ahead): that reads "just now", never "in a moment" (formatPast).
 */
import { formatDateTime, formatPast } from '../../../shared/format';
import { useNow } from '../hooks/useNow';

export function RelativeTime({ iso }: { iso: string | null | undefined }) {
  const now = useNow();
  if (!iso) return <span>—</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatPast(iso, now)}
    </time>
  );
}
