/** Which folder the CLI's entry walks on a worker before commander is loaded (src/cli/syncPathArgument.ts). */
import { describe, expect, it } from 'vitest';
import { syncPathArgument } from '../../src/cli/syncPathArgument.js';

const REMOTE = { R2_ENDPOINT_URL: 'https://acct.r2.cloudflarestorage.com' };

describe('the folder of a sync command line', () => {
  it('is the first argument after sync that is no option and no option value', () => {
    expect(syncPathArgument(['sync', 'out/experiments/a'], REMOTE)).toBe('out/experiments/a');
    expect(syncPathArgument(['sync', '--full', 'a', '--json'], REMOTE)).toBe('a');
    expect(syncPathArgument(['sync', '--name', 'n', '--type', 'ring', 'a'], REMOTE)).toBe('a');
    expect(syncPathArgument(['sync', '--', '-odd'], REMOTE)).toBe('-odd');
  });

  it('is none for another command, a sync without a folder, or without a remote destination', () => {
    expect(syncPathArgument(['download', 'a', 'b'], REMOTE)).toBeNull();
    expect(syncPathArgument(['sync', '--help'], REMOTE)).toBeNull();
    expect(syncPathArgument(['sync'], REMOTE)).toBeNull();
    expect(syncPathArgument(['sync', 'a'], {})).toBeNull();
    expect(syncPathArgument(['sync', 'a'], { SUPABASE_URL: 'https://x.supabase.co' })).toBe('a');
    expect(syncPathArgument(['sync', 'a'], { BILANCIO_DATABASE_URL: 'postgres://h/db' })).toBe('a');
  });
});
