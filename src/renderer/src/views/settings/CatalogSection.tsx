/** Where the aggregates go as rows: local SQLite, Supabase (URL + key), or any PostgreSQL (a URL). */
import type { SettingKey } from '../../../../shared/errors';
import { type SectionProps, secretFieldOf, TextField } from './fields';
import { fieldId } from './labels';
import { CATALOG_PRESETS, type CatalogForm, type CatalogPreset } from './presets';

export function catalogKeys(kind: CatalogPreset): SettingKey[] {
  if (kind === 'sqlite') return ['catalog.kind', 'catalog.path'];
  if (kind === 'supabase') return ['catalog.kind', 'catalog.url', 'catalog.key'];
  return ['catalog.kind', 'catalog.databaseUrl'];
}

export function CatalogSection(props: SectionProps<CatalogForm>) {
  const { form, onChange, setting, problems } = props;
  const set = (patch: Partial<CatalogForm>) => onChange({ ...form, ...patch });
  const kindLocked =
    setting('catalog.url')?.locked ||
    setting('catalog.databaseUrl')?.locked ||
    setting('catalog.key')?.locked;
  const secret = secretFieldOf(props as SectionProps<unknown>);
  return (
    <section className="card" aria-labelledby="catalog-title">
      <h2 id="catalog-title">Catalog</h2>
      <p className="muted">
        Where the aggregates (comparison, summary, registries) become rows you can query.
      </p>
      <div className="field">
        <label htmlFor={fieldId('catalog.kind')}>Catalog</label>
        <select
          id={fieldId('catalog.kind')}
          value={form.kind}
          disabled={Boolean(kindLocked)}
          onChange={(e) => set({ kind: e.target.value as CatalogPreset })}
        >
          {CATALOG_PRESETS.map((x) => (
            <option key={x.id} value={x.id}>
              {x.label}
            </option>
          ))}
        </select>
        <p className="field-note">
          {problems['catalog.kind'] ? <span className="field-error">{problems['catalog.kind']}</span> : null}
          {kindLocked ? <span className="locked">set by the environment</span> : null}
        </p>
      </div>
      {form.kind === 'sqlite' ? (
        <TextField
          settingKey="catalog.path"
          setting={setting('catalog.path')}
          value={form.path}
          onChange={(path) => set({ path })}
          problem={problems['catalog.path']}
          help="Empty: catalog.sqlite in the app's data folder."
        />
      ) : null}
      {form.kind === 'supabase' ? (
        <>
          <TextField
            settingKey="catalog.url"
            type="url"
            setting={setting('catalog.url')}
            value={form.url}
            onChange={(url) => set({ url })}
            problem={problems['catalog.url']}
            placeholder="https://<project>.supabase.co"
          />
          {secret('catalog.key')}
          <p className="muted">
            Use the service role key (or a signed-in user's key); the public anon key can't read or write the
            catalog.
          </p>
        </>
      ) : null}
      {form.kind === 'postgres' ? secret('catalog.databaseUrl') : null}
    </section>
  );
}
