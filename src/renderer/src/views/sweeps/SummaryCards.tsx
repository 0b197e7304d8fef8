/**
 * A sweep's key figures as cards — pairs, improvements, the mean effects from summary.json, sizes — and
 * everything else the catalog holds (the summary in full, the config) as collapsible JSON trees.
 */
import type { SweepDetail } from '../../../../shared/commands';
import { formatBytes, numericValue, shortNumber } from '../../../../shared/format';
import { JsonTree } from '../../components/JsonTree';

const KEY_FIGURES = [
  'total_pairs',
  'completed_pairs',
  'pairs_with_improvement',
  'pairs_unchanged',
  'pairs_worsened',
  'failed_control_runs',
  'failed_treatment_runs',
];

const words = (key: string) => key.replace(/_/g, ' ').replace(/^mean /, 'mean ');

function figures(summary: unknown): Array<[string, string]> {
  if (!summary || typeof summary !== 'object' || Array.isArray(summary)) return [];
  const s = summary as Record<string, unknown>;
  const shown = (k: string) => {
    const v = s[k];
    return typeof v === 'number' || (typeof v === 'string' && numericValue(v) !== null);
  };
  const keys = [...KEY_FIGURES.filter((k) => k in s), ...Object.keys(s).filter((k) => k.startsWith('mean_'))];
  return keys.filter(shown).map((k) => [k, shortNumber(String(s[k]))]);
}

export function SummaryCards({ detail }: { detail: SweepDetail }) {
  const c = detail.catalog;
  const shownRevision = detail.revisions.find((r) => r.revision === detail.revision);
  return (
    <section className="card" aria-labelledby="summary-title">
      <h2 id="summary-title">Summary</h2>
      <ul className="figure-cards">
        {figures(c?.summary).map(([k, v]) => (
          <li key={k} className="figure">
            <span className="figure-value">{v}</span>
            <span className="figure-label">{words(k)}</span>
          </li>
        ))}
        {shownRevision ? (
          <>
            <li className="figure">
              <span className="figure-value">{formatBytes(shownRevision.bytes)}</span>
              <span className="figure-label">sweep size</span>
            </li>
            <li className="figure">
              <span className="figure-value">{shownRevision.files.toLocaleString()}</span>
              <span className="figure-label">files</span>
            </li>
          </>
        ) : null}
        {c && c.archiveBytes > 0 ? (
          <li className="figure">
            <span className="figure-value">{formatBytes(c.archiveBytes)}</span>
            <span className="figure-label">archives (compressed)</span>
          </li>
        ) : null}
      </ul>
      {c ? (
        <div className="json-trees">
          <JsonTree name="summary.json" value={c.summary} />
          <JsonTree name="config" value={c.config} />
        </div>
      ) : null}
    </section>
  );
}
