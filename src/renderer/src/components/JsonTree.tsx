/** Any JSON value as a collapsible tree (`<details>` per object and list), for a sweep's config and summary. */

function Leaf({ value }: { value: unknown }) {
  if (value === null) return <span className="json-null">null</span>;
  if (typeof value === 'string') return <span className="json-string">"{value}"</span>;
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="json-bool">{String(value)}</span>;
  return <span>{String(value)}</span>;
}

export function JsonTree({ value, name, open = false }: { value: unknown; name?: string; open?: boolean }) {
  const label = name === undefined ? null : <span className="json-key">{name}: </span>;
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-line">
        {label}
        <Leaf value={value} />
      </div>
    );
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value as Record<string, unknown>);
  // A short list of plain values reads best on one line.
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object') && value.length <= 12) {
    return (
      <div className="json-line">
        {label}[
        {value.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a JSON list has no other identity
          <span key={i}>
            {i > 0 ? ', ' : ''}
            <Leaf value={v} />
          </span>
        ))}
        ]
      </div>
    );
  }
  return (
    <details className="json-node" open={open}>
      <summary>
        {label}
        <span className="muted">{Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`}</span>
      </summary>
      <div className="json-children">
        {entries.map(([k, v]) => (
          <JsonTree key={k} name={k} value={v} />
        ))}
      </div>
    </details>
  );
}
