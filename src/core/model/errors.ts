/**
 * One error type for everything the user can meet (the categories, codes and hints are the contract's,
 * src/shared/errors.ts). `hint` is the plain-words advice; `action`, when set, is the same advice as
 * something a shell can offer (a button, a flag, a link to a setting). Messages and hints name no CLI flag
 * and no environment variable: each shell words the action itself.
 */
import type { AppError, ErrorCategory, Hint, HintAction, SettingKey } from '../../shared/errors.js';

export interface SyncErrorOptions {
  cause?: unknown;
  /** Stable code for programs; defaults to the category. */
  code?: string;
  /** The request field concerned (usage errors of a command). */
  field?: string;
}

export class SyncError extends Error {
  readonly category: ErrorCategory;
  readonly code: string;
  /** What to do next, in plain words. */
  readonly hint: string | undefined;
  readonly action: HintAction | undefined;
  readonly field: string | undefined;

  constructor(
    category: ErrorCategory,
    message: string,
    hint?: string | Hint,
    options: SyncErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SyncError';
    this.category = category;
    this.code = options.code ?? category;
    this.hint = typeof hint === 'string' ? hint : hint?.text;
    this.action = typeof hint === 'string' ? undefined : hint?.action;
    this.field = options.field;
  }

  /** The error as plain data, for the contract's `{ ok: false, error }`. */
  toAppError(): AppError {
    const out: AppError = {
      category: this.category,
      code: this.code,
      message: this.message,
      hint:
        this.hint === undefined && this.action === undefined
          ? null
          : { text: this.hint ?? '', ...(this.action ? { action: this.action } : {}) },
    };
    if (this.field !== undefined) out.field = this.field;
    return out;
  }

  static fromAppError(e: AppError): SyncError {
    return new SyncError(e.category, e.message, e.hint ?? undefined, { code: e.code, field: e.field });
  }
}

export function isSyncError(e: unknown): e is SyncError {
  return e instanceof SyncError;
}

/** Wrap anything thrown into a SyncError, keeping SyncErrors as they are. */
export function toSyncError(e: unknown, fallback: ErrorCategory = 'internal'): SyncError {
  if (e instanceof SyncError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new SyncError(fallback, message, undefined, { cause: e });
}

/** A hint that points at settings: the window links to the fields, the CLI names the variables. */
export function settingHint(text: string, ...settings: [SettingKey, ...SettingKey[]]): Hint {
  return { text, action: { kind: 'fix-setting', settings } };
}
