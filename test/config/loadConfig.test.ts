import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderHint } from '../../src/cli/hints.js';
import { loadConfig } from '../../src/core/config/loadConfig.js';
import type { SyncError } from '../../src/core/model/errors.js';
import { describeDestinations } from '../../src/core/service/describe.js';

describe('configuration', () => {
  let home: string;
  let cwd: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'bsync-cfg-home-'));
    cwd = await mkdtemp(join(tmpdir(), 'bsync-cfg-cwd-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(cwd, { recursive: true, force: true });
  });
  const load = (env: Record<string, string> = {}) =>
    loadConfig({ env: { BILANCIO_SYNC_HOME: home, ...env }, cwd });

  it('with nothing set, uses the embedded default in the data folder', () => {
    const c = load();
    expect(c.objectStore).toEqual({ kind: 'local', root: join(home, 'data', 'archive') });
    expect(c.catalog).toEqual({ kind: 'sqlite', path: join(home, 'data', 'catalog.sqlite') });
    expect(c.settleMs).toBe(10_000);
  });

  it("reads the researchers' variables from a .env file, the environment winning", async () => {
    await writeFile(
      join(cwd, '.env'),
      [
        'R2_ENDPOINT_URL=https://abc123.r2.cloudflarestorage.com',
        'R2_ACCESS_KEY_ID=from-dotenv-id',
        'R2_SECRET_ACCESS_KEY=from-dotenv-secret',
        'SUPABASE_URL=https://proj.supabase.co',
        'SUPABASE_KEY=dotenv-key',
      ].join('\n'),
    );
    const c = load({ R2_BUCKET_NAME: 'from-env' });
    expect(c.objectStore).toMatchObject({
      kind: 's3',
      preset: 'r2',
      region: 'auto',
      bucket: 'from-env',
      accessKeyId: 'from-dotenv-id',
    });
    expect(c.catalog).toEqual({ kind: 'supabase', url: 'https://proj.supabase.co', key: 'dotenv-key' });
    expect(load({ R2_BUCKET_NAME: '' }).objectStore).toMatchObject({ bucket: 'bilancio-experiments' });
  });

  it('defaults the bucket to bilancio-experiments and guesses B2 regions', () => {
    const c = load({
      R2_ENDPOINT_URL: 'https://s3.eu-central-003.backblazeb2.com',
      R2_ACCESS_KEY_ID: 'id',
      R2_SECRET_ACCESS_KEY: 'secret',
    });
    expect(c.objectStore).toMatchObject({
      preset: 'b2',
      region: 'eu-central-003',
      bucket: 'bilancio-experiments',
    });
  });

  it('names the bad or missing setting (and the CLI names its variable)', async () => {
    const thrown = (fn: () => unknown): SyncError => {
      try {
        fn();
      } catch (e) {
        return e as SyncError;
      }
      throw new Error('did not throw');
    };
    const cases: Array<[Record<string, string>, RegExp, string, RegExp]> = [
      [
        { R2_ENDPOINT_URL: 'https://x.r2.cloudflarestorage.com', R2_ACCESS_KEY_ID: 'id' },
        /the secret access key is not set/,
        'objectStore.secretAccessKey',
        /R2_SECRET_ACCESS_KEY/,
      ],
      [{ SUPABASE_URL: 'https://p.supabase.co' }, /its key is not set/, 'catalog.key', /SUPABASE_KEY/],
      [
        { R2_ENDPOINT_URL: 'r2.example', R2_ACCESS_KEY_ID: 'a', R2_SECRET_ACCESS_KEY: 'b' },
        /endpoint "r2.example" is not an http\(s\) URL/,
        'objectStore.endpoint',
        /R2_ENDPOINT_URL/,
      ],
      [
        { BILANCIO_SYNC_COMPRESSION_LEVEL: '11' },
        /compression level is "11"/,
        'compressionLevel',
        /BILANCIO_SYNC_COMPRESSION_LEVEL/,
      ],
    ];
    for (const [env, message, setting, variable] of cases) {
      const e = thrown(() => load(env));
      expect(e.category).toBe('configuration');
      expect(e.message).toMatch(message);
      expect(e.action).toEqual({ kind: 'fix-setting', settings: [setting] });
      expect(renderHint(e.toAppError().hint)).toMatch(variable);
    }
    await writeFile(join(home, 'config.json'), JSON.stringify({ compressionLevel: 'fast' }));
    expect(() => load()).toThrow(/config.json has a bad setting: compressionLevel/);
    await writeFile(join(home, 'config.json'), '{ not json');
    expect(() => load()).toThrow(/is not valid JSON/);
  });

  it('takes destinations from the config file', async () => {
    await writeFile(
      join(home, 'config.json'),
      JSON.stringify({
        owner: 'alice',
        objectStore: {
          kind: 's3',
          preset: 'minio',
          endpoint: 'http://127.0.0.1:9000',
          bucket: 'lab',
          accessKeyId: 'k',
          secretAccessKey: 's',
        },
        catalog: { kind: 'postgres', url: 'postgres://u:pw@db.example:5432/lab' },
      }),
    );
    const c = load();
    expect(c.owner).toBe('alice');
    expect(c.objectStore).toMatchObject({ kind: 's3', preset: 'minio', bucket: 'lab', forcePathStyle: true });
    expect(c.catalog).toEqual({ kind: 'postgres', url: 'postgres://u:pw@db.example:5432/lab' });
  });

  it('never shows a secret in the printable view', () => {
    const c = load({
      R2_ENDPOINT_URL: 'https://abc.r2.cloudflarestorage.com',
      R2_ACCESS_KEY_ID: 'AKIDEXAMPLEKEY',
      R2_SECRET_ACCESS_KEY: 'very-secret-value',
      BILANCIO_DATABASE_URL: 'postgres://user:db-password@db.example/x',
    });
    const shown = JSON.stringify(describeDestinations(c));
    expect(shown).not.toContain('very-secret-value');
    expect(shown).not.toContain('db-password');
    expect(shown).not.toContain('AKIDEXAMPLEKEY');
  });
});
