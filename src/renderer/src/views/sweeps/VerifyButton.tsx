/** Verify the stored copy against its manifest (sizes and sha256 metadata), with the result in words. */
import { useState } from 'react';
import { formatBytes, plural } from '../../../../shared/format';
import { appErrorOf } from '../../api/client';
import { useVerifyStart } from '../../api/mutations';
import { useJob } from '../../api/queries';
import { ErrorBox } from '../../components/ErrorBox';

export function VerifyButton({ sweep, revision }: { sweep: string; revision: number | null }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useVerifyStart();
  const job = useJob(jobId);
  const j = job.data;
  const running = jobId !== null && (!j || j.state === 'running');
  return (
    <div className="verify">
      <button
        type="button"
        disabled={running || start.isPending}
        onClick={() =>
          start.mutate({ sweep, ...(revision ? { revision } : {}) }, { onSuccess: (v) => setJobId(v.jobId) })
        }
      >
        {running ? 'Verifying…' : 'Verify'}
      </button>
      {start.error ? <ErrorBox error={appErrorOf(start.error)} /> : null}
      {j && j.state !== 'running' ? (
        j.result?.kind === 'verify' ? (
          <p role="status" className={j.result.value.problems.length === 0 ? 'good-text' : 'error-text'}>
            {j.result.value.problems.length === 0
              ? `${plural(j.result.value.objects, 'object')} (${formatBytes(j.result.value.bytes)}) match the manifest.`
              : `${plural(j.result.value.problems.length, 'object')} don't match: ${j.result.value.problems
                  .slice(0, 3)
                  .map((p) => `${p.key} (${p.problem})`)
                  .join('; ')}`}
          </p>
        ) : j.error ? (
          <ErrorBox error={j.error} />
        ) : null
      ) : null}
    </div>
  );
}
