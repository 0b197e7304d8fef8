/** An attempt's result in words, coloured by how it went. */
import type { Attempt } from '../../../../shared/commands';

const WORDS: Record<NonNullable<Attempt['result']>, string> = {
  synced: 'synced',
  noop: 'already synced',
  restored: 'restored',
  verified: 'verified',
  failed: 'failed',
  aborted: 'stopped',
};

export function ResultBadge({ result }: { result: Attempt['result'] }) {
  const tone =
    result === null ? 'running' : result === 'failed' ? 'bad' : result === 'aborted' ? 'warn' : 'good';
  return <span className={`badge badge-${tone}`}>{result === null ? 'running' : WORDS[result]}</span>;
}
