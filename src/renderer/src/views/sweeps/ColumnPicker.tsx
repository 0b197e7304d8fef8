/** Which columns the table (and the CSV export) shows: a checkbox per column, all or none at once. */
import type { VisibilityState } from '@tanstack/react-table';

export function ColumnPicker({
  columns,
  visibility,
  onChange,
}: {
  columns: string[];
  visibility: VisibilityState;
  onChange: (v: VisibilityState) => void;
}) {
  const shown = columns.filter((c) => visibility[c] !== false);
  return (
    <details className="column-picker">
      <summary>
        Columns ({shown.length} of {columns.length})
      </summary>
      <div className="column-picker-body">
        <div className="button-row">
          <button type="button" onClick={() => onChange({})}>
            Show all
          </button>
          <button
            type="button"
            onClick={() =>
              onChange(Object.fromEntries(columns.map((c) => [c, /_run_id$|_status$/.test(c) === false])))
            }
          >
            Hide ids and statuses
          </button>
        </div>
        <fieldset>
          <legend className="visually-hidden">Visible columns</legend>
          {columns.map((c) => (
            <label key={c} className="checkbox">
              <input
                type="checkbox"
                checked={visibility[c] !== false}
                onChange={(e) => onChange({ ...visibility, [c]: e.target.checked })}
              />
              {c}
            </label>
          ))}
        </fieldset>
      </div>
    </details>
  );
}
