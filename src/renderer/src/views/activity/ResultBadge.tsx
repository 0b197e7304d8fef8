/**
 * An attempt's result in words, coloured by how it went. A restore or verify the researcher cancelled is
 * "cancelled", in a neutral colour: nothing went wrong. A sync that was stopped (Ctrl-C, the app closing)
 * is "stopped".
 */
import type { Attempt } from '../../../../shared/commands';
import '../../components/components.css';

const WORDS: Record<NonNullable<Attempt['result']>, string> = {
  synced: 'synced',
  noop: 'already synced',
  restored: 'restored',
  verified: 'verified',
  failed: 'failed',
  aborted: 'stopped',
};

export function resultWords(result: Attempt['result'], kind?: Attempt['kind']): string {
  if (result === null) return 'running';
  if (result === 'aborted' && kind && kind !== 'sync') return 'cancelled';
  return WORDS[result];
}

export function ResultBadge({ result, kind }: { result: Attempt['result']; kind?: Attempt['kind'] }) {
  const tone =
    result === null
      ? 'running'
      : result === 'failed'
        ? 'bad'
        : result === 'aborted'
          ? kind && kind !== 'sync'
            ? 'neutral'
            : 'warn'
          : 'good';
  return <span className={`badge badge-${tone}`}>{resultWords(result, kind)}</span>;
}
