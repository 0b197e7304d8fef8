/**
 * The comparison rows' filters: a row to add one (column, operator, value) and the filters in force, each
 * removable. The service applies them (numbers compared by value), so the table, the plots and the export
 * all show the same view.
 */
import { useState } from 'react';
import type { RowFilter } from '../../../../shared/commands';
import { LabelledSelect } from '../../components/LabelledSelect';

type Op = RowFilter['op'];

export const OPS: Array<{ op: Op; label: string; needsValue: boolean }> = [
  { op: 'eq', label: '=', needsValue: true },
  { op: 'ne', label: '≠', needsValue: true },
  { op: 'lt', label: '<', needsValue: true },
  { op: 'le', label: '≤', needsValue: true },
  { op: 'gt', label: '>', needsValue: true },
  { op: 'ge', label: '≥', needsValue: true },
  { op: 'contains', label: 'contains', needsValue: true },
  { op: 'empty', label: 'is empty', needsValue: false },
  { op: 'not-empty', label: 'is not empty', needsValue: false },
];

export function describeFilter(f: RowFilter): string {
  const o = OPS.find((x) => x.op === f.op)!;
  return o.needsValue ? `${f.column} ${o.label} ${f.value}` : `${f.column} ${o.label}`;
}

export function FilterBar({
  columns,
  filters,
  onChange,
}: {
  columns: string[];
  filters: RowFilter[];
  onChange: (filters: RowFilter[]) => void;
}) {
  const [column, setColumn] = useState(columns[0] ?? '');
  const [op, setOp] = useState<Op>('eq');
  const [value, setValue] = useState('');
  const needsValue = OPS.find((o) => o.op === op)?.needsValue ?? true;
  const col = columns.includes(column) ? column : (columns[0] ?? '');
  return (
    <div className="filter-bar">
      <form
        className="filter-row"
        aria-label="Add a filter"
        onSubmit={(e) => {
          e.preventDefault();
          if (!col || (needsValue && value === '')) return;
          const next = { column: col, op, value: needsValue ? value : '' };
          if (!filters.some((f) => describeFilter(f) === describeFilter(next))) onChange([...filters, next]);
          setValue('');
        }}
      >
        <LabelledSelect label="Column" value={col} onChange={setColumn}>
          {columns.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </LabelledSelect>
        <LabelledSelect label="Operator" value={op} onChange={(v) => setOp(v as Op)}>
          {OPS.map((o) => (
            <option key={o.op} value={o.op}>
              {o.label}
            </option>
          ))}
        </LabelledSelect>
        {needsValue ? (
          <label>
            Value
            <input value={value} onChange={(e) => setValue(e.target.value)} size={10} />
          </label>
        ) : null}
        <button type="submit" disabled={needsValue && value === ''}>
          Add filter
        </button>
      </form>
      {filters.length > 0 ? (
        <ul className="chips" aria-label="Filters in force">
          {filters.map((f, i) => (
            <li key={describeFilter(f)} className="chip">
              {describeFilter(f)}
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove filter ${describeFilter(f)}`}
                onClick={() => onChange(filters.filter((_, j) => j !== i))}
              >
                <span aria-hidden="true">×</span>
              </button>
            </li>
          ))}
          <li>
            <button type="button" className="link-button" onClick={() => onChange([])}>
              Clear filters
            </button>
          </li>
        </ul>
      ) : null}
    </div>
  );
}
