/**
 * Restore a synced sweep into a folder: what (everything, the aggregates only, chosen branches), the target
 * folder (a checked absolute path; the native picker where the shell has one), the revision, whether to
 * overwrite existing files (off by default), then the progress (from the job's events), Cancel, and the
 * verification result in words. A refused restore says why and offers the hint's next step.
 */
import { useId, useRef, useState } from 'react';
import type { RestoreSelection, SweepDetail } from '../../../../shared/commands';
import { appErrorOf } from '../../api/client';
import { useCancelJob, useRestoreStart } from '../../api/mutations';
import { useJob, useOverview, useSweep } from '../../api/queries';
import { Dialog } from '../../components/Dialog';
import { ErrorBox } from '../../components/ErrorBox';
import { HintHandlersContext } from '../../components/HintAction';
import { LabelledSelect } from '../../components/LabelledSelect';
import { TransferCard } from '../overview/TransferCard';
import { RestoreResult } from './RestoreResult';
import { targetProblem } from './targetPath';
import { useFolderPicker } from './useFolderPicker';

type What = RestoreSelection['kind'];

export function RestoreDialog({
  detail,
  initialRevision,
  onClose,
}: {
  detail: SweepDetail;
  initialRevision?: number;
  onClose: () => void;
}) {
  const ids = { target: useId(), targetError: useId(), overwrite: useId() };
  const [what, setWhat] = useState<What>('all');
  const [branches, setBranches] = useState<string[]>([]);
  const [target, setTarget] = useState('');
  const [touched, setTouched] = useState(false);
  const [revision, setRevision] = useState(initialRevision ?? detail.revision ?? undefined);
  const [overwrite, setOverwrite] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const targetRef = useRef<HTMLInputElement>(null);
  const pickFolder = useFolderPicker();
  const start = useRestoreStart();
  const cancel = useCancelJob();
  const job = useJob(jobId);
  // The overview's copy of this job's transfer lists every object in flight (a restore takes a few at
  // once); the job's own copy has the latest one only.
  const overview = useOverview();
  const progress =
    (jobId && overview.data?.transfers.find((t) => t.jobId === jobId)) || job.data?.progress || null;
  const revisionDetail = useSweep(detail.name, revision);
  const available = revisionDetail.data?.branches ?? (revision === detail.revision ? detail.branches : []);

  const problem = targetProblem(target);
  const running = jobId !== null && (job.data === undefined || job.data.state === 'running');
  const finished = job.data && job.data.state !== 'running' ? job.data : null;
  const canStart = !running && problem === null && (what !== 'branches' || branches.length > 0);

  const edit =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      if (finished) setJobId(null);
    };

  const submit = () => {
    setTouched(true);
    if (!canStart) {
      if (problem) targetRef.current?.focus();
      return;
    }
    const selection: RestoreSelection =
      what === 'branches'
        ? { kind: 'branches', branches }
        : what === 'aggregates'
          ? { kind: 'aggregates' }
          : { kind: 'all' };
    start.mutate(
      {
        sweep: detail.name,
        target: target.trim(),
        overwrite,
        what: selection,
        ...(revision ? { revision } : {}),
      },
      { onSuccess: (v) => setJobId(v.jobId) },
    );
  };

  const handlers = {
    // The refusal stays in view until the target changes; the field gets the focus.
    chooseEmptyFolder: () => {
      targetRef.current?.focus();
      targetRef.current?.select();
    },
  };

  return (
    <Dialog title={`Restore ${detail.name}`} onClose={onClose} wide>
      <HintHandlersContext.Provider value={handlers}>
        <form
          className="restore-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <fieldset disabled={running}>
            <legend>What</legend>
            <label className="radio">
              <input
                type="radio"
                name="what"
                checked={what === 'all'}
                onChange={() => edit(setWhat)('all')}
              />
              Everything (aggregates and run data)
            </label>
            <label className="radio">
              <input
                type="radio"
                name="what"
                checked={what === 'aggregates'}
                onChange={() => edit(setWhat)('aggregates')}
              />
              The aggregates only (every file outside the run folders)
            </label>
            <label className="radio">
              <input
                type="radio"
                name="what"
                checked={what === 'branches'}
                disabled={available.length === 0}
                onChange={() => edit(setWhat)('branches')}
              />
              Chosen branches{available.length === 0 ? ' (this revision has no run data)' : ''}
            </label>
            {what === 'branches' ? (
              <div className="indent">
                {available.map((b) => (
                  <label key={b} className="checkbox">
                    <input
                      type="checkbox"
                      checked={branches.includes(b)}
                      onChange={(e) =>
                        edit(setBranches)(
                          e.target.checked ? [...branches, b] : branches.filter((x) => x !== b),
                        )
                      }
                    />
                    {b}
                  </label>
                ))}
                {branches.length === 0 ? <p className="field-error">Choose at least one branch.</p> : null}
              </div>
            ) : null}
          </fieldset>
          <fieldset disabled={running}>
            <legend>Where</legend>
            <label htmlFor={ids.target}>Target folder</label>
            <div className="input-row">
              <input
                id={ids.target}
                ref={targetRef}
                value={target}
                spellCheck={false}
                autoComplete="off"
                placeholder="/home/you/restored/sweep"
                aria-invalid={touched && problem !== null}
                aria-describedby={ids.targetError}
                onChange={(e) => edit(setTarget)(e.target.value)}
                onBlur={() => setTouched(true)}
              />
              {pickFolder ? (
                <button
                  type="button"
                  onClick={async () => {
                    const picked = await pickFolder({
                      purpose: 'restore-target',
                      defaultPath: target || undefined,
                    });
                    if (picked) edit(setTarget)(picked);
                  }}
                >
                  Choose…
                </button>
              ) : null}
            </div>
            <p id={ids.targetError} className="field-error" aria-live="polite">
              {touched && problem ? problem : ''}
            </p>
            <LabelledSelect
              label="Revision"
              value={revision ?? ''}
              onChange={(v) => edit(setRevision)(Number(v))}
            >
              {[...detail.revisions]
                .sort((a, b) => b.revision - a.revision)
                .map((r) => (
                  <option key={r.revision} value={r.revision}>
                    {r.revision} — {new Date(r.syncedAt).toLocaleString()}
                    {r.full ? '' : ' (aggregates only)'}
                  </option>
                ))}
            </LabelledSelect>
            <label className="checkbox" htmlFor={ids.overwrite}>
              <input
                id={ids.overwrite}
                type="checkbox"
                checked={overwrite}
                onChange={(e) => edit(setOverwrite)(e.target.checked)}
              />
              Overwrite files that are already there
            </label>
          </fieldset>
          <div className="button-row">
            {running ? (
              <button
                type="button"
                onClick={() => jobId && cancel.mutate({ jobId })}
                disabled={cancel.isPending}
              >
                Cancel
              </button>
            ) : (
              <button type="submit" className="primary" disabled={start.isPending}>
                Start restore
              </button>
            )}
          </div>
        </form>
        {start.error ? <ErrorBox error={appErrorOf(start.error)} title="The restore was refused" /> : null}
        {cancel.error ? <ErrorBox error={appErrorOf(cancel.error)} /> : null}
        {running ? (
          progress ? (
            <TransferCard transfer={progress} />
          ) : (
            <p className="muted" role="status">
              Starting the restore…
            </p>
          )
        ) : null}
        {finished ? <RestoreResult job={finished} /> : null}
      </HintHandlersContext.Provider>
    </Dialog>
  );
}
