/**
 * A secret in a connection string is never shown, whatever form it takes: the URL's user-info, a query
 * parameter (`?password=`, `sslpassword=`, a token), or a libpq keyword string — by `redactUrl` and by the
 * real `status` command (text and --json).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/core/config/loadConfig.js';
import { runCli } from '../support/cli.js';

describe('redacting connection strings', () => {
  it('hides the password of the user-info, secret query parameters and libpq keywords', () => {
    expect(redactUrl('postgres://u:hunter2@db.example:5432/bilancio?sslmode=require')).toBe(
      'postgres://u:****@db.example:5432/bilancio?sslmode=require',
    );
    expect(redactUrl('postgresql://db.example/bilancio?user=u&password=hunter2&sslpassword=pw2')).toBe(
      'postgresql://db.example/bilancio?user=u&password=****&sslpassword=****',
    );
    expect(redactUrl('https://x.example/path?access_token=t0k&apikey=k3y&x=1')).toBe(
      'https://x.example/path?access_token=****&apikey=****&x=1',
    );
    expect(redactUrl("host=db user=u password='two words' dbname=bilancio")).toBe(
      'host=db user=u password=**** dbname=bilancio',
    );
    expect(redactUrl('host=db password=hunter2')).not.toContain('hunter2');
    expect(redactUrl('not a url at all')).toBe('(unparseable URL)');
  });

  it('`status` never prints a database password given as ?password=', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bsync-redact-'));
    try {
      const env = {
        BILANCIO_SYNC_HOME: home,
        BILANCIO_DATABASE_URL: 'postgres://researcher@127.0.0.1:1/bilancio?password=hunter2-secret',
      };
      for (const args of [['status'], ['status', '--json']]) {
        const run = await runCli(args, env, home);
        expect(run.code).toBe(0);
        expect(run.stdout + run.stderr).not.toContain('hunter2-secret');
        expect(run.stdout).toContain('password=****');
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
