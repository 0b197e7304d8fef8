/**
 * A select with its label beside it (`for`/`id`), not around it: a label wrapped around a select would
 * take every option's text into its own.
 */
import { type ReactNode, useId } from 'react';

export function LabelledSelect({
  label,
  value,
  onChange,
  children,
  disabled,
}: {
  label: string;
  value: string | number;
  onChange: (value: string) => void;
  children: ReactNode;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="labelled">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
        {children}
      </select>
    </div>
  );
}
