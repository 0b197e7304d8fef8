/**
 * The settings form's fields. A plain field shows the problem `settings.validate` found with it, right
 * under it; a field the environment sets is disabled and says by which variable. A secret is write-only:
 * it shows whether it is set and where it comes from (keychain, secrets file, a variable), and offers a
 * field to replace it — never its value.
 */
import { type ReactNode, useId } from 'react';
import type { SettingsView } from '../../../../shared/commands';
import type { SettingKey } from '../../../../shared/errors';
import { fieldId, SETTING_LABELS } from './labels';

type SettingViewItem = SettingsView['settings'][number];

const SOURCE_WORDS: Record<SettingViewItem['source'], string> = {
  environment: 'from the environment',
  dotenv: 'from a .env file',
  keychain: 'from the keychain',
  'safe-storage': 'encrypted with the system keychain',
  'secrets-file': 'from the secrets file',
  'config-file': 'from the config file',
  default: 'default',
};

export function sourceWords(s: SettingViewItem): string {
  if ((s.source === 'environment' || s.source === 'dotenv') && s.variable) {
    return s.source === 'dotenv' ? `from ${s.variable} in a .env file` : `from ${s.variable}`;
  }
  return SOURCE_WORDS[s.source];
}

export function lockedWords(s: SettingViewItem): string {
  return `set by ${s.variable ?? 'the environment'}${s.source === 'dotenv' ? ' (a .env file)' : ''}`;
}

export function TextField({
  settingKey,
  inputId,
  label,
  setting,
  value,
  onChange,
  problem,
  type = 'text',
  placeholder,
  help,
  min,
  max,
}: {
  settingKey: SettingKey;
  /** Defaults to the setting's own field id. */
  inputId?: string;
  label?: string;
  setting: SettingViewItem | undefined;
  value: string;
  onChange: (v: string) => void;
  problem?: string;
  type?: 'text' | 'number' | 'url';
  placeholder?: string;
  help?: ReactNode;
  min?: number;
  max?: number;
}) {
  const id = inputId ?? fieldId(settingKey);
  const noteId = useId();
  const locked = setting?.locked ?? false;
  return (
    <div className={`field${problem ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label ?? SETTING_LABELS[settingKey]}</label>
      <input
        id={id}
        type={type}
        value={value}
        disabled={locked}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        min={min}
        max={max}
        aria-invalid={problem ? true : undefined}
        aria-describedby={noteId}
        onChange={(e) => onChange(e.target.value)}
      />
      <p id={noteId} className="field-note">
        {problem ? <span className="field-error">{problem}</span> : null}
        {locked && setting ? <span className="locked">{lockedWords(setting)}</span> : null}
        {!problem && !locked && help ? <span className="muted">{help}</span> : null}
      </p>
    </div>
  );
}

/** An on/off setting (auto-sync, include run data): a checkbox named by its label, the help or problem under it. */
export function ToggleField({
  settingKey,
  setting,
  checked,
  onChange,
  problem,
  help,
}: {
  settingKey: SettingKey;
  setting: SettingViewItem | undefined;
  checked: boolean;
  onChange: (v: boolean) => void;
  problem?: string;
  help?: ReactNode;
}) {
  const id = fieldId(settingKey);
  const noteId = useId();
  const locked = setting?.locked ?? false;
  return (
    <div className={`field toggle-field${problem ? ' field-invalid' : ''}`}>
      <label className="checkbox" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={checked}
          disabled={locked}
          aria-invalid={problem ? true : undefined}
          aria-describedby={noteId}
          onChange={(e) => onChange(e.target.checked)}
        />
        {SETTING_LABELS[settingKey]}
      </label>
      <p id={noteId} className="field-note">
        {problem ? <span className="field-error">{problem}</span> : null}
        {locked && setting ? <span className="locked">{lockedWords(setting)}</span> : null}
        {!problem && help ? <span className="muted">{help}</span> : null}
      </p>
    </div>
  );
}

/** A setting with a few named values (notifications): a select named by its label. */
export function ChoiceField({
  settingKey,
  setting,
  value,
  choices,
  onChange,
  problem,
  help,
}: {
  settingKey: SettingKey;
  setting: SettingViewItem | undefined;
  value: string;
  choices: ReadonlyArray<{ value: string; label: string }>;
  onChange: (v: string) => void;
  problem?: string;
  help?: ReactNode;
}) {
  const id = fieldId(settingKey);
  const noteId = useId();
  const locked = setting?.locked ?? false;
  return (
    <div className={`field${problem ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{SETTING_LABELS[settingKey]}</label>
      <select
        id={id}
        value={value}
        disabled={locked}
        aria-invalid={problem ? true : undefined}
        aria-describedby={noteId}
        onChange={(e) => onChange(e.target.value)}
      >
        {choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
      <p id={noteId} className="field-note">
        {problem ? <span className="field-error">{problem}</span> : null}
        {locked && setting ? <span className="locked">{lockedWords(setting)}</span> : null}
        {!problem && help ? <span className="muted">{help}</span> : null}
      </p>
    </div>
  );
}

export interface SecretDraft {
  /** A new value to save ('' = keep what is there). */
  replacement: string;
  /** Remove the saved value. */
  remove: boolean;
}

export function SecretField({
  settingKey,
  setting,
  draft,
  onChange,
  problem,
}: {
  settingKey: SettingKey;
  setting: SettingViewItem | undefined;
  draft: SecretDraft;
  onChange: (d: SecretDraft) => void;
  problem?: string;
}) {
  const id = fieldId(settingKey);
  const noteId = useId();
  const label = SETTING_LABELS[settingKey];
  const locked = setting?.locked ?? false;
  const removable =
    setting?.set && ['keychain', 'safe-storage', 'secrets-file', 'config-file'].includes(setting.source);
  const status = setting?.set ? `set · ${sourceWords(setting)}` : 'not set';
  return (
    <div className={`field secret-field${problem ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <p className="secret-status" data-testid={`secret-status-${settingKey}`}>
        {status}
      </p>
      {locked ? (
        <p className="field-note">
          <span className="locked">{lockedWords(setting!)}; change it there.</span>
        </p>
      ) : (
        <>
          <input
            id={id}
            type="password"
            value={draft.replacement}
            disabled={draft.remove}
            autoComplete="new-password"
            spellCheck={false}
            placeholder={setting?.set ? 'enter a new value to replace it' : 'enter it to save it'}
            aria-invalid={problem ? true : undefined}
            aria-describedby={noteId}
            onChange={(e) => onChange({ replacement: e.target.value, remove: false })}
          />
          <p id={noteId} className="field-note">
            {problem ? <span className="field-error">{problem}</span> : null}
          </p>
          {removable ? (
            <label className="checkbox">
              <input
                type="checkbox"
                checked={draft.remove}
                onChange={(e) => onChange({ replacement: '', remove: e.target.checked })}
              />
              Remove the saved {label.toLowerCase()}
            </label>
          ) : null}
        </>
      )}
    </div>
  );
}

/** What a destination section (object store, catalog) gets from the Settings view: its part of the draft. */
export interface SectionProps<Form> {
  form: Form;
  onChange: (f: Form) => void;
  setting: (k: SettingKey) => SettingViewItem | undefined;
  secrets: Partial<Record<SettingKey, SecretDraft>>;
  onSecret: (k: SettingKey, d: SecretDraft) => void;
  problems: Partial<Record<SettingKey, string>>;
}

/** The write-only field of one secret setting, wired to a section's draft. */
export function secretFieldOf(props: SectionProps<unknown>): (k: SettingKey) => ReactNode {
  return (k) => (
    <SecretField
      settingKey={k}
      setting={props.setting(k)}
      draft={props.secrets[k] ?? { replacement: '', remove: false }}
      onChange={(d) => props.onSecret(k, d)}
      problem={props.problems[k]}
    />
  );
}
