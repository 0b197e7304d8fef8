/**
 * Writes that Row Level Security turns into nothing must not pass for done. In a team catalog on Supabase
 * a member's DELETE of another member's sweep matches 0 rows (the delete policy hides it) and PostgREST
 * answers 204 as for a success: SupabaseCatalog must notice and fail with a permission error naming the
 * sweep, its owner label and the rule, with what to do (ask the owner, or the service-role key). The
 * overwrite (the write function's upsert) fails the same way, with the same code. Through the real
 * supabase-js → the PostgREST test double → the real test PostgreSQL with Supabase's roles and policies.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import type { SupabaseCatalog } from '../../src/core/stores/SupabaseCatalog.js';
import { balancedWrite } from '../stores-pg/rows.js';
import { type SupabaseTeam, startSupabaseTeam } from '../support/supabaseTeam.js';

const CAROL = randomUUID();
const DAVE = randomUUID();
let team: SupabaseTeam<'carol' | 'dave'>;
let sql: pg.Client;
let carol: SupabaseCatalog;
let dave: SupabaseCatalog;
let service: SupabaseCatalog;

beforeAll(async () => {
  team = await startSupabaseTeam({ carol: CAROL, dave: DAVE });
  ({ sql, service } = team);
  ({ carol, dave } = team.members);
}, 120_000);
afterAll(async () => {
  await team?.close();
});

async function failure(p: Promise<unknown>): Promise<SyncError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, 'expected a refusal, got success').toBeInstanceOf(SyncError);
  return e as SyncError;
}

const rowCount = async (name: string, owner: string) =>
  Number(
    (
      await sql.query(
        `select count(*) n from comparison_results c join sweeps s using (sweep_id)
         where s.name = $1 and s.owner = $2`,
        [name, owner],
      )
    ).rows[0].n,
  );

/** The permission error every silent or refused write of someone else's sweep must be. */
function expectNotOwner(e: SyncError, name: string, owner: string): void {
  expect(e.category).toBe('configuration');
  expect(e.code).toBe('not-sweep-owner');
  expect(e.message).toContain(`"${name}"`);
  expect(e.message).toContain(`"${owner}"`);
  expect(e.message).toMatch(/only (its owner|the member whose key wrote it).*service-role key/);
  const hint = e.toAppError().hint;
  expect(hint?.text).toMatch(/ask (its|the sweep's) owner/i);
  expect(hint?.text).toMatch(/service_role key/);
  expect(hint?.action?.kind).toBe('fix-setting');
  expect(hint?.action?.kind === 'fix-setting' && hint.action.settings).toContain('catalog.key');
  expect(e.message).not.toContain('dave-key');
}

describe("deleting another member's sweep", () => {
  it("fails with a permission error instead of a silent 0-row delete (Carol's sweep, Dave's key)", async () => {
    await carol.writeSweep(balancedWrite('carol_kappa', 3, 'theory group'));
    const e = await failure(dave.deleteSweep('carol_kappa', 'theory group'));
    expectNotOwner(e, 'carol_kappa', 'theory group');
    expect(await rowCount('carol_kappa', 'theory group')).toBe(3);
    expect((await carol.getSweep('carol_kappa', 'theory group'))?.revision).toBe(1);
  });

  it('fails the same for a sweep the lab server wrote with the service-role key (no owner_id)', async () => {
    await service.writeSweep(balancedWrite('lab_nightly', 2, 'lab-server'));
    const e = await failure(carol.deleteSweep('lab_nightly', 'lab-server'));
    expectNotOwner(e, 'lab_nightly', 'lab-server');
    expect(await rowCount('lab_nightly', 'lab-server')).toBe(2);
  });

  it('without an owner given, names the owner label of the sweep it found', async () => {
    const e = await failure(dave.deleteSweep('lab_nightly'));
    expectNotOwner(e, 'lab_nightly', 'lab-server');
  });

  it("still deletes one's own sweep, and a missing sweep is still no error", async () => {
    await dave.writeSweep(balancedWrite('dave_own', 2, 'dave'));
    await dave.deleteSweep('dave_own', 'dave');
    expect(await dave.getSweep('dave_own', 'dave')).toBeNull();
    await dave.deleteSweep('never_synced', 'dave');
    await service.deleteSweep('lab_nightly', 'lab-server');
    expect(await carol.getSweep('lab_nightly', 'lab-server')).toBeNull();
  });
});

describe("overwriting another member's sweep (the write function's upsert)", () => {
  it('is refused with the same permission error, naming sweep and owner label', async () => {
    await carol.writeSweep(balancedWrite('carol_dealer', 2, 'theory group'));
    const e = await failure(
      dave.writeSweep({ ...balancedWrite('carol_dealer', 5, 'theory group'), revision: 2 }),
    );
    expectNotOwner(e, 'carol_dealer', 'theory group');
    expect(await rowCount('carol_dealer', 'theory group')).toBe(2);
  });

  it('is refused for a service-role sweep too', async () => {
    await service.writeSweep(balancedWrite('lab_weekly', 1, 'lab-server'));
    const e = await failure(
      carol.writeSweep({ ...balancedWrite('lab_weekly', 4, 'lab-server'), revision: 2 }),
    );
    expectNotOwner(e, 'lab_weekly', 'lab-server');
    expect(await rowCount('lab_weekly', 'lab-server')).toBe(1);
  });
});
