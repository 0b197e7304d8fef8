/** Where files go: a preset, then exactly the fields that preset needs, and its key pair (write-only). */
import type { SettingKey } from '../../../../shared/errors';
import { type SectionProps, secretFieldOf, TextField } from './fields';
import { fieldId } from './labels';
import { r2Endpoint, STORE_PRESETS, type StoreForm, type StorePreset } from './presets';

/** The setting keys each preset's fields stand for (a problem with any other key is shown at the top). */
export function storeKeys(preset: StorePreset): SettingKey[] {
  const base: SettingKey[] = ['objectStore.kind', 'objectStore.preset'];
  if (preset === 'local') return [...base, 'objectStore.root'];
  const keys: SettingKey[] = [
    ...base,
    'objectStore.bucket',
    'objectStore.prefix',
    'objectStore.partSizeMiB',
    'objectStore.accessKeyId',
    'objectStore.secretAccessKey',
    'objectStore.endpoint',
  ];
  if (preset !== 'r2') keys.push('objectStore.region');
  return keys;
}

export function ObjectStoreSection(props: SectionProps<StoreForm>) {
  const { form, onChange, setting, problems } = props;
  const set = (patch: Partial<StoreForm>) => onChange({ ...form, ...patch });
  const p = form.preset;
  const presetLocked = setting('objectStore.preset')?.locked || setting('objectStore.endpoint')?.locked;
  const secret = secretFieldOf(props as SectionProps<unknown>);
  return (
    <section className="card" aria-labelledby="store-title">
      <h2 id="store-title">Object store</h2>
      <p className="muted">
        Where the files go: the aggregates as they are, and each branch's run data as one archive.
      </p>
      <div className="field">
        <label htmlFor={fieldId('objectStore.preset')}>Storage provider</label>
        <select
          id={fieldId('objectStore.preset')}
          value={p}
          disabled={Boolean(presetLocked)}
          onChange={(e) => set({ preset: e.target.value as StorePreset })}
        >
          {STORE_PRESETS.map((x) => (
            <option key={x.id} value={x.id}>
              {x.label}
            </option>
          ))}
        </select>
        <p className="field-note">
          {problems['objectStore.preset'] || problems['objectStore.kind'] ? (
            <span className="field-error">
              {problems['objectStore.preset'] ?? problems['objectStore.kind']}
            </span>
          ) : presetLocked ? (
            <span className="locked">set by the environment (R2_ENDPOINT_URL / BILANCIO_S3_PRESET)</span>
          ) : null}
        </p>
      </div>
      {p === 'local' ? (
        <TextField
          settingKey="objectStore.root"
          label="Folder"
          setting={setting('objectStore.root')}
          value={form.root}
          onChange={(root) => set({ root })}
          problem={problems['objectStore.root']}
          help="Empty: the archive folder in the app's data folder."
        />
      ) : (
        <>
          {p === 'r2' ? (
            <TextField
              settingKey="objectStore.endpoint"
              label="Account ID or endpoint URL"
              setting={setting('objectStore.endpoint')}
              value={form.account}
              onChange={(account) => set({ account })}
              problem={problems['objectStore.endpoint']}
              help={
                r2Endpoint(form.account)
                  ? `Endpoint: ${r2Endpoint(form.account)}`
                  : 'The account ID from the R2 dashboard, or https://<account>.r2.cloudflarestorage.com.'
              }
            />
          ) : null}
          {p === 'minio' || p === 'custom' ? (
            <TextField
              settingKey="objectStore.endpoint"
              type="url"
              setting={setting('objectStore.endpoint')}
              value={form.endpoint}
              onChange={(endpoint) => set({ endpoint })}
              problem={problems['objectStore.endpoint']}
              placeholder="https://minio.example.org:9000"
            />
          ) : null}
          {p === 'b2' || p === 'aws' || p === 'minio' || p === 'custom' ? (
            <TextField
              settingKey="objectStore.region"
              label={p === 'minio' || p === 'custom' ? 'Region (optional)' : 'Region'}
              setting={setting('objectStore.region')}
              value={form.region}
              onChange={(region) => set({ region })}
              problem={
                problems['objectStore.region'] ?? (p === 'b2' ? problems['objectStore.endpoint'] : undefined)
              }
              placeholder={p === 'b2' ? 'us-west-004' : p === 'aws' ? 'eu-central-1' : 'us-east-1'}
              help={
                p === 'b2' ? `Endpoint: https://s3.${form.region || '<region>'}.backblazeb2.com` : undefined
              }
            />
          ) : null}
          <TextField
            settingKey="objectStore.bucket"
            setting={setting('objectStore.bucket')}
            value={form.bucket}
            onChange={(bucket) => set({ bucket })}
            problem={problems['objectStore.bucket']}
            placeholder="bilancio-experiments"
            help="It must exist: Bilancio Sync never creates a bucket."
          />
          {secret('objectStore.accessKeyId')}
          {secret('objectStore.secretAccessKey')}
          <details className="advanced">
            <summary>More options</summary>
            <TextField
              settingKey="objectStore.prefix"
              setting={setting('objectStore.prefix')}
              value={form.prefix}
              onChange={(prefix) => set({ prefix })}
              problem={problems['objectStore.prefix']}
              help="Optional: a folder inside the bucket."
            />
            <TextField
              settingKey="objectStore.partSizeMiB"
              type="number"
              min={5}
              max={5120}
              setting={setting('objectStore.partSizeMiB')}
              value={form.partSizeMiB}
              onChange={(partSizeMiB) => set({ partSizeMiB })}
              problem={problems['objectStore.partSizeMiB']}
              help="Default 8; grown automatically to stay under 10,000 parts."
            />
          </details>
        </>
      )}
    </section>
  );
}
