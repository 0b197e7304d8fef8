/**
 * Settings: watched folders, the object store and the catalog (presets with exactly their fields, secrets
 * write-only), and how syncing behaves (settle time, compression, archives at once, owner). Every change
 * is checked by the service as it is typed (the problem shows next to its field); Test connection tries the
 * draft for real before it is saved; Save writes it (secrets to the keychain or the 0600 secrets file).
 */
import { useEffect, useRef } from 'react';
import type { SettingsView as View } from '../../../../shared/commands';
import type { SettingKey } from '../../../../shared/errors';
import { appErrorOf } from '../../api/client';
import { useSaveSettings, useTestConnection } from '../../api/mutations';
import { useSettings } from '../../api/queries';
import { ErrorBox } from '../../components/ErrorBox';
import { QueryStatus } from '../../components/QueryStatus';
import { CatalogSection, catalogKeys } from './CatalogSection';
import { FoldersSection } from './FoldersSection';
import { TextField } from './fields';
import { fieldId, SETTING_LABELS } from './labels';
import { ObjectStoreSection, storeKeys } from './ObjectStoreSection';
import { TestResults } from './TestResults';
import { OTHER_KEYS, type OtherKey, useSettingsDraft } from './useSettingsDraft';

const OTHER_FIELDS: Array<{
  key: OtherKey;
  type: 'text' | 'number';
  min?: number;
  max?: number;
  help: string;
}> = [
  {
    key: 'settleSeconds',
    type: 'number',
    min: 0,
    help: 'How long a finished sweep must be quiet before it is synced.',
  },
  {
    key: 'compressionLevel',
    type: 'number',
    min: 0,
    max: 9,
    help: 'gzip level of the run data archives, 0–9.',
  },
  {
    key: 'archiveConcurrency',
    type: 'number',
    min: 1,
    max: 16,
    help: 'Branch archives built and uploaded at once.',
  },
  { key: 'owner', type: 'text', help: 'Recorded with each sweep; sweep names are unique per owner.' },
];

function Form({ view, focus, test }: { view: View; focus?: string; test?: boolean }) {
  const draft = useSettingsDraft(view);
  const save = useSaveSettings();
  const testConnection = useTestConnection();
  const testButton = useRef<HTMLButtonElement>(null);
  const setting = (k: SettingKey) => view.settings.find((s) => s.key === k);

  // A link from a hint (`#/settings?field=…`) focuses that field, or the destination it belongs to.
  useEffect(() => {
    if (test) testButton.current?.focus();
    if (!focus) return;
    const el =
      document.getElementById(fieldId(focus)) ??
      document.getElementById(fieldId(focus.startsWith('catalog.') ? 'catalog.kind' : 'objectStore.preset'));
    el?.focus();
    el?.scrollIntoView({ block: 'center' });
  }, [focus, test]);

  const shown = new Set<SettingKey>([
    ...storeKeys(draft.store.preset),
    ...catalogKeys(draft.catalog.kind),
    ...OTHER_KEYS,
  ]);
  const elsewhere = (Object.entries(draft.problems) as Array<[SettingKey, string]>).filter(
    ([k]) => !shown.has(k),
  );

  return (
    <form
      className="settings-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!draft.valid) return;
        save.mutate({ changes: draft.changes }, { onSuccess: () => draft.reset() });
      }}
    >
      {view.problem ? (
        <ErrorBox error={view.problem} title="The settings in force can't be used as they are" />
      ) : null}
      <ObjectStoreSection
        form={draft.store}
        onChange={draft.setStore}
        setting={setting}
        secrets={draft.secrets}
        onSecret={draft.setSecret}
        problems={draft.problems}
      />
      <CatalogSection
        form={draft.catalog}
        onChange={draft.setCatalog}
        setting={setting}
        secrets={draft.secrets}
        onSecret={draft.setSecret}
        problems={draft.problems}
      />
      <section className="card" aria-labelledby="syncing-title">
        <h2 id="syncing-title">Syncing</h2>
        <div className="field-grid">
          {OTHER_FIELDS.map((f) => (
            <TextField
              key={f.key}
              settingKey={f.key}
              type={f.type}
              min={f.min}
              max={f.max}
              setting={setting(f.key)}
              value={draft.other[f.key] ?? draft.values[f.key] ?? ''}
              onChange={(v) => draft.setOther(f.key, v)}
              problem={draft.problems[f.key]}
              help={f.help}
            />
          ))}
        </div>
      </section>
      <section className="card" aria-labelledby="where-title">
        <h2 id="where-title">Where settings live</h2>
        <p>
          Config file: <span className="path">{view.configFile}</span>
        </p>
        <p>Secrets: {view.secretStore.description}</p>
      </section>
      <div className="save-bar">
        {elsewhere.map(([k, m]) => (
          <p key={k} className="field-error">
            {SETTING_LABELS[k]}: {m}
          </p>
        ))}
        {draft.validationError ? <ErrorBox error={appErrorOf(draft.validationError)} /> : null}
        <p className="muted" aria-live="polite">
          {!draft.dirty
            ? save.isSuccess
              ? 'Saved.'
              : 'No changes.'
            : draft.validating
              ? 'Checking…'
              : draft.valid
                ? `${Object.keys(draft.changes).length} change(s) ready to save.`
                : 'Fix the fields marked above to save.'}
        </p>
        <div className="button-row">
          <button type="submit" className="primary" disabled={!draft.dirty || !draft.valid || save.isPending}>
            Save
          </button>
          <button
            ref={testButton}
            type="button"
            disabled={testConnection.isPending}
            onClick={() =>
              testConnection.mutate(
                { changes: draft.changes },
                {
                  onSettled: () =>
                    requestAnimationFrame(() =>
                      document.getElementById('test-title')?.scrollIntoView({ block: 'nearest' }),
                    ),
                },
              )
            }
          >
            {testConnection.isPending ? 'Testing…' : 'Test connection'}
          </button>
          {draft.dirty ? (
            <button type="button" onClick={draft.reset}>
              Discard changes
            </button>
          ) : null}
        </div>
        {save.error ? <ErrorBox error={appErrorOf(save.error)} title="Not saved" /> : null}
      </div>
      {testConnection.error || testConnection.data ? (
        <section className="card" aria-labelledby="test-title">
          <h2 id="test-title">Connection test</h2>
          {testConnection.error ? <ErrorBox error={appErrorOf(testConnection.error)} /> : null}
          {testConnection.data ? <TestResults checks={testConnection.data.checks} /> : null}
        </section>
      ) : null}
    </form>
  );
}

export function SettingsView({ field, test }: { field?: string; test?: boolean }) {
  const settings = useSettings();
  return (
    <div className="view">
      <h1>Settings</h1>
      <FoldersSection />
      <QueryStatus isPending={settings.isPending} error={settings.error} what="the settings" />
      {settings.data ? <Form view={settings.data} focus={field} test={test} /> : null}
    </div>
  );
}
