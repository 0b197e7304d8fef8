/** "4 min ago" that stays true (the shared 1 s clock), with the exact time on hover. */
import { formatDateTime, formatRelative } from '../format';
import { useNow } from '../hooks/useNow';

export function RelativeTime({ iso }: { iso: string | null | undefined }) {
  const now = useNow();
  if (!iso) return <span>—</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso, now)}
    </time>
  );
}
