/**
 * A hint's `action` as something to click: a link to the setting to fix, a "Sync as it stands" button
 * (with its confirm), Restore at a revision, Retry… Views that can do better for an action (the restore
 * dialog focuses its target field for `choose-empty-folder`) say so through HintHandlersContext.
 */
import { createContext, useContext, useState } from 'react';
import type { HintAction as Action } from '../../../shared/errors';
import { appErrorOf } from '../api/client';
import { useRetry, useSyncStart } from '../api/mutations';
import { useOverview } from '../api/queries';
import { href } from '../router';
import { SETTING_LABELS } from '../views/settings/labels';
import { ConfirmDialog } from './ConfirmDialog';

export interface HintHandlers {
  chooseEmptyFolder?: (overwriteAllowed: boolean) => void;
}

export const HintHandlersContext = createContext<HintHandlers>({});

export function SyncAsItStandsButton({ sweep }: { sweep: string }) {
  const [confirming, setConfirming] = useState(false);
  const retry = useRetry();
  return (
    <>
      <button type="button" onClick={() => setConfirming(true)}>
        Sync as it stands
      </button>
      {confirming ? (
        <ConfirmDialog
          title={`Sync ${sweep} as it stands?`}
          confirmLabel="Confirm"
          busy={retry.isPending}
          onClose={() => setConfirming(false)}
          onConfirm={() =>
            retry.mutate({ sweep, allowIncomplete: true }, { onSuccess: () => setConfirming(false) })
          }
        >
          <p>
            bilancio did not finish this sweep (it crashed or was stopped). Syncing it now keeps what it holds
            today as a revision; if bilancio finishes it later, that becomes a new revision.
          </p>
          {retry.error ? <p className="error-text">{appErrorOf(retry.error).message}</p> : null}
        </ConfirmDialog>
      ) : null}
    </>
  );
}

export function RetryButton({ sweep, describedBy }: { sweep: string; describedBy?: string }) {
  const retry = useRetry();
  return (
    <>
      <button
        type="button"
        aria-describedby={describedBy}
        disabled={retry.isPending}
        onClick={() => retry.mutate({ sweep })}
      >
        Retry
      </button>
      {retry.error ? <span className="error-text"> {appErrorOf(retry.error).message}</span> : null}
    </>
  );
}

function SyncFolderButton({ sweep, label }: { sweep: string; label: string }) {
  const overview = useOverview();
  const start = useSyncStart();
  const local = overview.data?.sweeps.find((s) => s.name === sweep);
  if (!local) return null;
  return (
    <>
      <button
        type="button"
        disabled={start.isPending || start.isSuccess}
        onClick={() => start.mutate({ path: local.path, full: true })}
      >
        {start.isSuccess ? 'Sync started' : label}
      </button>
      {start.error ? <span className="error-text"> {appErrorOf(start.error).message}</span> : null}
    </>
  );
}

export function HintAction({ action }: { action: Action }) {
  const handlers = useContext(HintHandlersContext);
  switch (action.kind) {
    case 'fix-setting':
      return (
        <span className="hint-links">
          {action.settings.map((key) => (
            <a key={key} href={href({ view: 'settings', field: key })}>
              Open setting: {SETTING_LABELS[key]}
            </a>
          ))}
        </span>
      );
    case 'sync-as-it-stands':
      return action.sweep ? <SyncAsItStandsButton sweep={action.sweep} /> : null;
    case 'sync-with-run-data':
      return <SyncFolderButton sweep={action.sweep} label="Sync with run data" />;
    case 'sync-again':
      return <SyncFolderButton sweep={action.sweep} label="Sync again" />;
    case 'restore-revision':
      return (
        <a href={href({ view: 'sweep', name: action.sweep, revision: action.revision, restore: true })}>
          Restore revision {action.revision}
        </a>
      );
    case 'choose-revision':
      return (
        <span className="hint-links">
          {action.revisions.map((r) => (
            <a key={r} href={href({ view: 'sweep', name: action.sweep, revision: r })}>
              Revision {r}
            </a>
          ))}
        </span>
      );
    case 'choose-empty-folder':
      return handlers.chooseEmptyFolder ? (
        <button type="button" onClick={() => handlers.chooseEmptyFolder?.(action.overwriteAllowed)}>
          Choose another folder
        </button>
      ) : null;
    case 'list-sweeps':
      return <a href={href({ view: 'sweeps' })}>Find it in the synced list</a>;
    case 'show-status':
      return <a href={href({ view: 'overview' })}>See where each sweep stands</a>;
    case 'verify-sweep':
      return <a href={href({ view: 'sweep', name: action.sweep })}>Open {action.sweep} to verify it</a>;
    case 'test-connection':
      return <a href={href({ view: 'settings', test: true })}>Test connection</a>;
    case 'retry-sweep':
      return <RetryButton sweep={action.sweep} />;
    case 'rename-sweep':
      return null;
    default: {
      const never: never = action;
      return never;
    }
  }
}
