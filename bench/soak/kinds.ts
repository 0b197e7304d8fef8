// The trial kinds of `npm run soak`, one entry each; every kind keeps its own sweep name and home so that
// kinds never see each other's state.
import type { Rng } from './random.js';
import type { World } from './world.js';

export interface TrialResult {
  /** Problems found; empty = the trial passed. */
  problems: string[];
  /** What the trial did, for the report and to reproduce it (kill point, fault, disk size). */
  setup: string;
  /** What happened (killed / finished first, fault fired or not, the error's code). */
  outcome: string;
}

export interface SoakKind {
  id: string;
  title: string;
  /** Why the kind can't run here (null = it can). */
  unavailable?(): Promise<string | null>;
  /** Once per run, before the first trial: returns the kind's own state. */
  prepare(world: World, log: (s: string) => void): Promise<unknown>;
  trial(world: World, state: unknown, rng: Rng, trial: number): Promise<TrialResult>;
}
