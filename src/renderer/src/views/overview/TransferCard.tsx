/**
 * One transfer in flight: the sweep's bar and, under it, a bar per object being sent. Sizes, percent and
 * time left come from the same figures (bytes left ÷ speed), so they agree; no speed yet says
 * "estimating…", every byte sent says "finishing".
 */

import { formatBytesPair, formatSpeed, percentOf, timeLeft } from '../../../../shared/format';
import { type LiveTransfer, receivedAt } from '../../api/transfers';
import { ProgressBar } from '../../components/ProgressBar';
import { useNow } from '../../hooks/useNow';

const VERB = { sync: 'Syncing', restore: 'Restoring', verify: 'Verifying' } as const;
const PHASE = {
  uploading: 'uploading',
  cataloguing: 'writing the catalog',
  downloading: 'downloading',
  verifying: 'checking',
} as const;

export function TransferCard({ transfer: t }: { transfer: LiveTransfer }) {
  const now = useNow();
  const since = (now - receivedAt(t, now)) / 1000;
  const pct = percentOf(t.bytesDone, t.bytesTotal);
  const left =
    t.phase === 'cataloguing' ? null : timeLeft(t.bytesDone, t.bytesTotal, t.bytesPerSecond, since);
  const objects = t.objects ?? (t.object ? [t.object] : []);
  return (
    <article className="transfer" aria-label={`${VERB[t.kind]} ${t.sweep}`}>
      <header className="transfer-head">
        <strong>
          {VERB[t.kind]} {t.sweep}
        </strong>
        {t.phase ? <span className="muted"> · {PHASE[t.phase]}</span> : null}
        {t.path ? <span className="muted path"> · {t.path}</span> : null}
      </header>
      <ProgressBar done={t.bytesDone} total={t.bytesTotal} label={`${t.sweep}: ${pct} %`} />
      <p className="transfer-figures">
        <span>{formatBytesPair(t.bytesDone, t.bytesTotal)}</span>
        <span>{pct}%</span>
        {t.bytesPerSecond ? <span>{formatSpeed(t.bytesPerSecond)}</span> : null}
        <span>{left ? left.text : 'finishing'}</span>
      </p>
      {objects.length > 0 ? (
        <ul className="object-list" aria-label={`Objects of ${t.sweep} in flight`}>
          {objects.slice(0, 6).map((o) => (
            <li key={o.key}>
              <span className="object-key" title={o.key}>
                {o.key}
              </span>
              <ProgressBar
                size="small"
                done={o.bytesDone}
                total={o.bytesTotal}
                label={`${o.key}: ${percentOf(o.bytesDone, o.bytesTotal)} %`}
              />
              <span className="object-figures">
                {formatBytesPair(o.bytesDone, o.bytesTotal)} · {percentOf(o.bytesDone, o.bytesTotal)}%
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </article>
  );
}
