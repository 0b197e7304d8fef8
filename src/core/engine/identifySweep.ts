import { basename, resolve } from 'node:path';
import type { SweepType } from '../../shared/states.js';
import { validateSweepName } from '../model/keys.js';
import { detectLayout, type SweepLayout } from '../sweep/layout.js';

/** What a sync calls a sweep folder: its absolute path, its name in the store, its type and layout. */
export interface SweepIdentity {
  path: string;
  name: string;
  sweepType: SweepType;
  layout: SweepLayout;
}

/**
 * Name and type a sweep folder the way a sync records it (name: `name` or the folder name; type: `type`
 * or the detected one). Throws the layout's errors: not a sweep folder ('usage'), being written ('not-ready').
 */
export async function identifySweep(
  sweepPath: string,
  options: { name?: string; type?: SweepType } = {},
): Promise<SweepIdentity> {
  const path = resolve(sweepPath);
  const name = validateSweepName(options.name ?? basename(path));
  const layout = await detectLayout(path);
  return { path, name, sweepType: options.type ?? layout.type, layout };
}
