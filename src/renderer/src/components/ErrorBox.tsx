/** An error as the contract gives it: what happened, what to do (the hint), and the hint's action. */
import type { AppError, Hint } from '../../../shared/errors';
import { appErrorOf } from '../api/client';
import { HintAction } from './HintAction';

export function HintView({ hint }: { hint: Hint | null | undefined }) {
  if (!hint) return null;
  return (
    <p className="hint">
      {hint.text}
      {hint.action ? (
        <>
          {' '}
          <HintAction action={hint.action} />
        </>
      ) : null}
    </p>
  );
}

export function ErrorBox({ error, title }: { error: AppError | unknown; title?: string }) {
  const e = isAppError(error) ? error : appErrorOf(error);
  return (
    <div className="error-box" role="alert">
      {title ? <strong>{title}</strong> : null}
      <p className="error-message">{e.message}</p>
      <HintView hint={e.hint} />
    </div>
  );
}

function isAppError(e: unknown): e is AppError {
  return (
    typeof e === 'object' &&
    e !== null &&
    'category' in e &&
    'code' in e &&
    'message' in e &&
    !(e instanceof Error)
  );
}
