/** "Are you sure?" with the action's own name on the confirm button. */
import type { ReactNode } from 'react';
import { Dialog } from './Dialog';

export function ConfirmDialog({
  title,
  confirmLabel,
  onConfirm,
  onClose,
  busy = false,
  children,
}: {
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  children: ReactNode;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      {children}
      <div className="button-row">
        <button type="button" className="primary" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
        <button type="button" onClick={onClose}>
          Keep it as it is
        </button>
      </div>
    </Dialog>
  );
}
