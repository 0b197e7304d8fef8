/**
 * The settings form's draft: what the researcher changed, as the contract's `changes` (only what differs
 * from the settings in force, nothing the environment locks, secrets only when typed), and the problems
 * `settings.validate` finds in it — asked 400 ms after the last keystroke, before anything is saved.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { SECRET_SETTINGS, type SettingChanges, type SettingsView } from '../../../../shared/commands';
import type { SettingKey } from '../../../../shared/errors';
import { call, useClient } from '../../api/client';
import { useDebounced } from '../../hooks/useDebounced';
import type { SecretDraft } from './fields';
import {
  type CatalogForm,
  catalogChanges,
  catalogFormOf,
  onlyChanged,
  type StoreForm,
  storeChanges,
  storeFormOf,
  valuesOf,
} from './presets';

export const OTHER_KEYS = ['owner', 'settleSeconds', 'compressionLevel', 'archiveConcurrency'] as const;
export type OtherKey = (typeof OTHER_KEYS)[number];

/** How syncing behaves, beyond the text fields: two on/off settings and the notifications choice. */
export const BEHAVIOUR_KEYS = ['autoSync', 'includeRunData', 'notifications'] as const;
export interface Behaviour {
  autoSync: boolean;
  includeRunData: boolean;
  notifications: string;
}
const BEHAVIOUR_DEFAULTS: Behaviour = { autoSync: true, includeRunData: true, notifications: 'all' };

/** The behaviour settings in force (their defaults where the settings in force can't be read). */
export function behaviourOf(view: SettingsView): Behaviour {
  const value = (k: keyof Behaviour) => view.settings.find((s) => s.key === k)?.value ?? null;
  const auto = value('autoSync');
  const runData = value('includeRunData');
  const notifications = value('notifications');
  return {
    autoSync: typeof auto === 'boolean' ? auto : BEHAVIOUR_DEFAULTS.autoSync,
    includeRunData: typeof runData === 'boolean' ? runData : BEHAVIOUR_DEFAULTS.includeRunData,
    notifications: typeof notifications === 'string' ? notifications : BEHAVIOUR_DEFAULTS.notifications,
  };
}

/** The secrets each destination uses (a secret typed for a destination not chosen is not sent). */
function secretUsed(k: SettingKey, store: StoreForm, catalog: CatalogForm): boolean {
  if (k.startsWith('objectStore.')) return store.preset !== 'local';
  if (k === 'catalog.key') return catalog.kind === 'supabase';
  if (k === 'catalog.databaseUrl') return catalog.kind === 'postgres';
  return false;
}

export function useSettingsDraft(view: SettingsView) {
  const client = useClient();
  const values = useMemo(() => valuesOf(view), [view]);
  const locked = useMemo(() => new Set(view.settings.filter((s) => s.locked).map((s) => s.key)), [view]);
  const [storeDraft, setStore] = useState<StoreForm | null>(null);
  const [catalogDraft, setCatalog] = useState<CatalogForm | null>(null);
  const [secrets, setSecrets] = useState<Partial<Record<SettingKey, SecretDraft>>>({});
  const [other, setOther] = useState<Partial<Record<OtherKey, string>>>({});
  const [behaviourDraft, setBehaviour] = useState<Partial<Behaviour>>({});
  const inForce = useMemo(() => behaviourOf(view), [view]);
  const behaviour: Behaviour = { ...inForce, ...behaviourDraft };

  const store = storeDraft ?? storeFormOf(values);
  const catalog = catalogDraft ?? catalogFormOf(values);

  const changes = useMemo<SettingChanges>(() => {
    const out: SettingChanges = {
      ...(storeDraft ? onlyChanged(storeChanges(storeDraft), values, locked) : {}),
      ...(catalogDraft ? onlyChanged(catalogChanges(catalogDraft), values, locked) : {}),
      ...onlyChanged(
        Object.fromEntries(Object.entries(other).map(([k, v]) => [k, v.trim() === '' ? null : v.trim()])),
        values,
        locked,
      ),
    };
    for (const k of BEHAVIOUR_KEYS) {
      const v = behaviourDraft[k];
      if (v === undefined || locked.has(k) || v === inForce[k]) continue;
      out[k] = v;
    }
    for (const k of SECRET_SETTINGS) {
      const d = secrets[k];
      if (!d || locked.has(k) || !secretUsed(k, store, catalog)) continue;
      if (d.remove) out[k] = null;
      else if (d.replacement !== '') out[k] = d.replacement;
    }
    return out;
  }, [storeDraft, catalogDraft, other, behaviourDraft, inForce, secrets, values, locked, store, catalog]);

  const json = JSON.stringify(changes);
  const debounced = useDebounced(json, 400);
  const dirty = json !== '{}';
  const validation = useQuery({
    queryKey: ['settings', 'validate', debounced],
    queryFn: () => call(client, 'settings.validate', { changes: JSON.parse(debounced) as SettingChanges }),
    enabled: debounced !== '{}',
  });
  const checked = dirty && debounced === json && validation.data !== undefined && !validation.isFetching;
  const problems: Partial<Record<SettingKey, string>> = {};
  if (dirty && validation.data) for (const p of validation.data.problems) problems[p.key] ??= p.message;

  return {
    values,
    store,
    catalog,
    secrets,
    other,
    behaviour,
    setBehaviour: <K extends keyof Behaviour>(k: K, v: Behaviour[K]) =>
      setBehaviour((b) => ({ ...b, [k]: v })),
    setStore,
    setCatalog,
    setSecret: (k: SettingKey, d: SecretDraft) => setSecrets((s) => ({ ...s, [k]: d })),
    setOther: (k: OtherKey, v: string) => setOther((o) => ({ ...o, [k]: v })),
    changes,
    dirty,
    /** Validated, and valid (Save may go). */
    valid: checked && validation.data!.ok,
    validating: dirty && !checked,
    validationError: validation.error,
    problems,
    reset: () => {
      setStore(null);
      setCatalog(null);
      setSecrets({});
      setOther({});
      setBehaviour({});
    },
  };
}
