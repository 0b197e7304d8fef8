/** A labelled select of column names (with an optional "none"). */
import { LabelledSelect } from '../../../components/LabelledSelect';

export function ColumnSelect({
  label,
  value,
  options,
  onChange,
  none,
}: {
  label: string;
  value: string | null;
  options: string[];
  onChange: (v: string | null) => void;
  none?: string;
}) {
  return (
    <LabelledSelect label={label} value={value ?? ''} onChange={(v) => onChange(v === '' ? null : v)}>
      {none !== undefined ? <option value="">{none}</option> : null}
      {options.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </LabelledSelect>
  );
}
