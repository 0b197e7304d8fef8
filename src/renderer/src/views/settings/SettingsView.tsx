/**
 * Settings: watched folders, the object store and the catalog (presets with exactly their fields, secrets
 * write-only), and how syncing behaves (auto-sync, include run data, notifications, settle time,
 * compression, archives at once, owner). Every change
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
import { ChoiceField, TextField, ToggleField } from './fields';
import { fieldId, SETTING_LABELS } from './labels';
import { ObjectStoreSection, storeKeys } from './ObjectStoreSection';
import { TestResults } from './TestResults';
import { BEHAVIOUR_KEYS, OTHER_KEYS, type OtherKey, useSettingsDraft } from './useSettingsDraft';

const NOTIFICATION_CHOICES = [
  { value: 'all', label: 'All: synced, failed and warnings' },
  { value: 'errors-only', label: 'Errors only' },
  { value: 'off', label: 'Off' },
] as const;

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
    ...BEHAVIOUR_KEYS,
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
      <TestResults
        destination="objectStore"
        checks={testConnection.data?.checks}
        error={testConnection.error}
      />
      <CatalogSection
        form={draft.catalog}
        onChange={draft.setCatalog}
        setting={setting}
        secrets={draft.secrets}
        onSecret={draft.setSecret}
        problems={draft.problems}
      />
      <TestResults destination="catalog" checks={testConnection.data?.checks} />
      <section className="card" aria-labelledby="syncing-title">
        <h2 id="syncing-title">Syncing</h2>
        <ToggleField
          settingKey="autoSync"
          setting={setting('autoSync')}
          checked={draft.behaviour.autoSync}
          onChange={(v) => draft.setBehaviour('autoSync', v)}
          problem={draft.problems.autoSync}
          help={
            draft.behaviour.autoSync
              ? 'Finished sweeps in the watched folders are synced by themselves once they are quiet.'
              : 'Off: finished sweeps are found and queued, but nothing is uploaded until you press Sync now.'
          }
        />
        <ToggleField
          settingKey="includeRunData"
          setting={setting('includeRunData')}
          checked={draft.behaviour.includeRunData}
          onChange={(v) => draft.setBehaviour('includeRunData', v)}
          problem={draft.problems.includeRunData}
          help={
            draft.behaviour.includeRunData
              ? "Each branch's run data is archived (tar.gz) and uploaded with the aggregates."
              : 'Off: the branch run-data archives are skipped; the catalog still gets every table (comparison, summary, registries) and the store the aggregate files and logs. Sync with run data later to add it as a new revision. A sweep whose run data is already in the cloud keeps it in every later revision.'
          }
        />
        <ChoiceField
          settingKey="notifications"
          setting={setting('notifications')}
          value={draft.behaviour.notifications}
          choices={NOTIFICATION_CHOICES}
          onChange={(v) => draft.setBehaviour('notifications', v)}
          problem={draft.problems.notifications}
          help="Desktop notifications when a sweep is synced, a sync fails, or a warning needs a look."
        />
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
                      document
                        .getElementById('test-results-objectStore')
                        ?.scrollIntoView({ block: 'nearest' }),
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
