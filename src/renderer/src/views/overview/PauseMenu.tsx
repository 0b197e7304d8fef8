/**
 * Pause ▸ 1 hour / until tomorrow (08:00 local) / until I resume — a menu button (arrow keys move, Esc
 * closes and gives focus back) — and Resume while paused.
 */
import { useEffect, useRef, useState } from 'react';
import { appErrorOf } from '../../api/client';
import { usePause, useResume } from '../../api/mutations';

/** Milliseconds from `now` to 08:00 local time the next day. */
export function untilTomorrowMorning(now: number): number {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(8, 0, 0, 0);
  return d.getTime() - now;
}

const CHOICES: Array<{ label: string; forMs: (now: number) => number | null }> = [
  { label: 'For 1 hour', forMs: () => 3_600_000 },
  { label: 'Until tomorrow, 08:00', forMs: untilTomorrowMorning },
  { label: 'Until I resume', forMs: () => null },
];

export function PauseControls({ paused }: { paused: boolean }) {
  const pause = usePause();
  const resume = useResume();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLButtonElement>('button')?.focus();
    const onDown = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && e.target !== button.current) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const onMenuKey = (e: React.KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      items[(i + 1) % items.length]?.focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      items[(i - 1 + items.length) % items.length]?.focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  };

  const error = pause.error ?? resume.error;
  if (paused) {
    return (
      <>
        <button type="button" onClick={() => resume.mutate({})} disabled={resume.isPending}>
          Resume
        </button>
        {error ? <span className="error-text">{appErrorOf(error).message}</span> : null}
      </>
    );
  }
  return (
    <div className="menu-wrap">
      <button
        ref={button}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        Pause <span aria-hidden="true">▾</span>
      </button>
      {open ? (
        <div
          ref={menu}
          className="menu"
          role="menu"
          aria-label="Pause syncing"
          tabIndex={-1}
          onKeyDown={onMenuKey}
        >
          {CHOICES.map((c) => (
            <button
              key={c.label}
              type="button"
              role="menuitem"
              onClick={() => {
                pause.mutate({ forMs: c.forMs(Date.now()) });
                close();
              }}
            >
              {c.label}
            </button>
          ))}
        </div>
      ) : null}
      {error ? <span className="error-text">{appErrorOf(error).message}</span> : null}
    </div>
  );
}
