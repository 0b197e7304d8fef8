/** A labelled progress bar (native `<progress>`, role progressbar, aria-valuenow in whole percent). */
import { percentOf } from '../../../shared/format';

export function ProgressBar({
  done,
  total,
  label,
  size = 'normal',
}: {
  done: number;
  total: number;
  label: string;
  size?: 'normal' | 'small';
}) {
  const pct = percentOf(done, total);
  return (
    <progress
      className={`progress progress-${size}`}
      max={100}
      value={pct}
      aria-label={label}
      aria-valuenow={pct}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuetext={`${pct} %`}
    />
  );
}
