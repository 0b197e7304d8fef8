/**
 * Class 8 of issue 11: the shared catalog — who may change what. Through the Supabase path (real
 * supabase-js → the PostgREST test double → the real test PostgreSQL with Supabase's roles and
 * auth.uid()), with two users' keys: members read every sweep of the team catalog but insert, update
 * and delete only their own (owner_id = auth.uid()); the service-role key may change everything.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/model/errors.js';
import type { SupabaseCatalog } from '../../src/core/stores/SupabaseCatalog.js';
import { balancedWrite } from '../stores-pg/rows.js';
import { type SupabaseTeam, startSupabaseTeam } from '../support/supabaseTeam.js';

const ALICE = randomUUID();
const BOB = randomUUID();
let team: SupabaseTeam<'alice' | 'bob'>;
let sql: pg.Client;
let alice: SupabaseCatalog;
let bob: SupabaseCatalog;
let service: SupabaseCatalog;

beforeAll(async () => {
  team = await startSupabaseTeam({ alice: ALICE, bob: BOB });
  ({ sql, service } = team);
  ({ alice, bob } = team.members);
});
afterAll(async () => {
  await team?.close();
});

async function refused(p: Promise<unknown>): Promise<SyncError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SyncError);
  return e as SyncError;
}

const ownerIdOf = async (name: string, owner: string) =>
  (await sql.query('select owner_id from sweeps where name = $1 and owner = $2', [name, owner])).rows[0]
    ?.owner_id as string | null | undefined;

describe('a team catalog on Supabase', () => {
  it("records the writer's auth.uid() as owner_id, keeping owner as the label", async () => {
    await alice.writeSweep(balancedWrite('alice_sweep', 3, 'lab'));
    expect(await ownerIdOf('alice_sweep', 'lab')).toBe(ALICE);
  });

  it("lets B read A's sweep and its rows", async () => {
    expect((await bob.getSweep('alice_sweep', 'lab'))?.name).toBe('alice_sweep');
    expect(await bob.listComparisonRows('alice_sweep', { owner: 'lab' })).toHaveLength(3);
    expect((await bob.listRegistryRows('alice_sweep', { owner: 'lab' })).length).toBe(6);
  });

  it("refuses B's overwrite of A's sweep (same owner label and name), saying whose it is", async () => {
    const e = await refused(bob.writeSweep({ ...balancedWrite('alice_sweep', 1, 'lab'), revision: 9 }));
    expect(e.message).toMatch(/belongs to another member/);
    const row = await alice.getSweep('alice_sweep', 'lab');
    expect(row?.revision).toBe(1);
    expect(await alice.listComparisonRows('alice_sweep', { owner: 'lab' })).toHaveLength(3);
    expect(await ownerIdOf('alice_sweep', 'lab')).toBe(ALICE);
  });

  it("leaves A's sweep in place when B deletes it", async () => {
    await bob.deleteSweep('alice_sweep', 'lab').catch(() => undefined);
    expect((await alice.getSweep('alice_sweep', 'lab'))?.revision).toBe(1);
    expect(await alice.listComparisonRows('alice_sweep', { owner: 'lab' })).toHaveLength(3);
  });

  it("refuses B's direct writes to A's rows and B claiming a row as A (not through the write function)", async () => {
    const { data: sweepRow } = await sql
      .query('select sweep_id from sweeps where name = $1', ['alice_sweep'])
      .then((r) => ({ data: r.rows[0] as { sweep_id: string } }));
    const bobDb = new pg.Client(team.db.url);
    await bobDb.connect();
    try {
      const as = async (sub: string, text: string, params: unknown[] = []) => {
        await bobDb.query('begin');
        try {
          await bobDb.query(
            `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`,
            [JSON.stringify({ role: 'authenticated', sub })],
          );
          return await bobDb.query(text, params);
        } finally {
          await bobDb.query('rollback');
        }
      };
      // UPDATE and DELETE of someone else's rows touch nothing; an INSERT under their id is refused.
      expect(
        (await as(BOB, 'update comparison_results set kappa = 0 where sweep_id = $1', [sweepRow.sweep_id]))
          .rowCount,
      ).toBe(0);
      expect(
        (await as(BOB, 'delete from run_registry where sweep_id = $1', [sweepRow.sweep_id])).rowCount,
      ).toBe(0);
      await expect(
        as(BOB, `update sweeps set owner_id = $1 where owner_id = $2`, [ALICE, BOB]),
      ).resolves.toMatchObject({ rowCount: 0 });
      await expect(
        as(
          BOB,
          `insert into sweeps (owner, name, sweep_type, created_at, revision, manifest, owner_id)
           values ('lab', 'forged', 'balanced', now(), 1, '{}', $1)`,
          [ALICE],
        ),
      ).rejects.toMatchObject({ code: '42501' });
      // A, the owner, may change the rows of the sweep directly too.
      expect(
        (await as(ALICE, 'update comparison_results set kappa = 0 where sweep_id = $1', [sweepRow.sweep_id]))
          .rowCount,
      ).toBe(3);
    } finally {
      await bobDb.end();
    }
  });

  it('lets A overwrite and then delete their own sweep', async () => {
    await alice.writeSweep({ ...balancedWrite('alice_sweep', 2, 'lab'), revision: 2 });
    expect((await bob.getSweep('alice_sweep', 'lab'))?.revision).toBe(2);
    expect(await bob.listComparisonRows('alice_sweep', { owner: 'lab' })).toHaveLength(2);
    await alice.deleteSweep('alice_sweep', 'lab');
    expect(await bob.getSweep('alice_sweep', 'lab')).toBeNull();
    expect(Number((await sql.query('select count(*) n from comparison_results')).rows[0].n)).toBe(0);
  });

  it('lets B keep a sweep of the same name under their own owner label', async () => {
    await alice.writeSweep(balancedWrite('shared_name', 1, 'alice'));
    await bob.writeSweep(balancedWrite('shared_name', 2, 'bob'));
    expect(await ownerIdOf('shared_name', 'bob')).toBe(BOB);
    expect((await alice.listSweeps()).filter((s) => s.name === 'shared_name')).toHaveLength(2);
  });

  it("lets the service-role key (a lab's sync server) change every member's sweep", async () => {
    await service.writeSweep({ ...balancedWrite('shared_name', 4, 'bob'), revision: 3 });
    expect((await bob.getSweep('shared_name', 'bob'))?.revision).toBe(3);
    // It didn't take Bob's sweep away from him.
    expect(await ownerIdOf('shared_name', 'bob')).toBe(BOB);
    await service.deleteSweep('shared_name', 'alice');
    expect(await bob.getSweep('shared_name', 'alice')).toBeNull();
  });
});
