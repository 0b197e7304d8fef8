/** How a restore ended, in words: every file verified, refused (and why, with what to do), or cancelled. */
import type { Job } from '../../../../shared/commands';
import { ErrorBox } from '../../components/ErrorBox';
import '../../components/components.css';
import { formatBytes, plural } from '../../../../shared/format';

export function RestoreResult({ job }: { job: Job }) {
  if (job.state === 'running') return null;
  if (job.state === 'succeeded' && job.result?.kind === 'restore') {
    const r = job.result.value;
    return (
      <div className="result result-good" data-testid="restore-result" role="status">
        <p>
          <strong>
            {plural(r.files, 'file')} ({formatBytes(r.bytes)}), every sha256 verified.
          </strong>
        </p>
        <p>
          Revision {r.revision} of {r.sweep} is in <span className="path">{r.outputPath}</span>
          {r.full ? '' : ' (without run data)'}.
        </p>
        {r.warnings.map((w) => (
          <p key={w} className="warning-text">
            {w}
          </p>
        ))}
      </div>
    );
  }
  if (job.state === 'cancelled') {
    return (
      <div className="result result-neutral" data-testid="restore-result" role="status">
        <p>{job.error?.message ?? 'The restore was cancelled; nothing was left behind.'}</p>
      </div>
    );
  }
  return (
    <div data-testid="restore-result">
      <ErrorBox
        error={
          job.error ?? { category: 'internal', code: 'unknown', message: 'The restore failed.', hint: null }
        }
        title="The restore was refused"
      />
    </div>
  );
}
