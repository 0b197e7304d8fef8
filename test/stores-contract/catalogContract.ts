/**
 * What every Catalog must do (src/core/stores/Catalog.ts), checked only through the Catalog interface so
 * that every backend runs it: SQLite (catalogs.test.ts), PostgreSQL and Supabase (test/stores-pg, which
 * add the checks of their tables in test/stores-pg/catalogContract.ts).
 *
 * The catalog may be shared by all cases (the Postgres files open one per file): each case uses sweep
 * names of its own.
 */
import { expect, it } from 'vitest';
import type { Catalog, CatalogSweepWrite } from '../../src/core/stores/Catalog.js';
import { BALANCED_HEADER, balancedWrite, DEALER_HEADER, dealerWrite, KAPPA_28 } from '../stores-pg/rows.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `write` as synced at `syncedAt` (the manifest's time; a server may use its own clock instead). */
function syncedAt(write: CatalogSweepWrite, at: string): CatalogSweepWrite {
  return { ...write, manifest: { ...write.manifest, syncedAt: at } };
}

export function catalogContract(ctx: () => Catalog): void {
  it('writes a sweep twice and keeps exactly one copy of its rows, under one sweep id', async () => {
    const catalog = ctx();
    const write = balancedWrite('twice', 7);
    const first = await catalog.writeSweep(write);
    expect(first.sweepId).toMatch(UUID);
    const second = await catalog.writeSweep({ ...write, revision: 2 });
    expect(second.sweepId).toBe(first.sweepId);
    expect(await catalog.listComparisonRows('twice')).toEqual(write.comparisonRows);
    expect(await catalog.listRegistryRows('twice')).toEqual(write.registryRows);
    expect(await catalog.listRegistryRows('twice')).toHaveLength(14);
    expect(await catalog.getSweep('twice')).toMatchObject({ sweepId: first.sweepId, revision: 2 });
    const listed = (await catalog.listSweeps({ owner: 'alice@laptop' })).filter((s) => s.name === 'twice');
    expect(listed.map((s) => [s.sweepId, s.revision])).toEqual([[first.sweepId, 2]]);

    // A later revision with fewer rows replaces the rows (a lossy resume is the engine's business).
    await catalog.writeSweep({
      ...write,
      revision: 3,
      comparisonRows: write.comparisonRows.slice(0, 2),
      registryRows: write.registryRows.slice(0, 4),
    });
    expect(await catalog.listComparisonRows('twice')).toEqual(write.comparisonRows.slice(0, 2));
    expect(await catalog.listRegistryRows('twice')).toEqual(write.registryRows.slice(0, 4));
    expect((await catalog.getSweep('twice'))?.sweepId).toBe(first.sweepId);
  });

  it('gives the comparison rows back exactly: every cell as its original text, in CSV column order', async () => {
    const catalog = ctx();
    const write = balancedWrite('exact', 3);
    await catalog.writeSweep(write);
    const back = await catalog.listComparisonRows('exact');
    expect(back).toEqual(write.comparisonRows);
    expect(Object.keys(back[0] ?? {})).toEqual(BALANCED_HEADER); // CSV column order, not the database's
    expect(back[0]).toMatchObject({
      kappa: '0E-28', // not 0
      dealer_total_return: '0E-28',
      trading_effect: '1.5e-07', // not 1.5e-7 or 0.00000015
      trading_relief_ratio: 'nan', // no number, kept as text
      big_entity_share: '0.1',
    });
    expect(back[1]).toMatchObject({
      kappa: KAPPA_28,
      mu: '14999.99999999999999999999999',
      big_entity_share: null,
    });
  });

  it('keeps all 33 columns of a dealer comparison, JSON cells included', async () => {
    const catalog = ctx();
    const write = dealerWrite('dealer33', 4);
    await catalog.writeSweep(write);
    const back = await catalog.listComparisonRows('dealer33');
    expect(back).toEqual(write.comparisonRows);
    expect(Object.keys(back[3] ?? {})).toEqual(DEALER_HEADER);
    expect(back[3]?.vbt_premium_final_pct).toBe('{"short": 0E-28, "mid": 0, "long": -1.5}');
    expect(back[3]?.rescue_events).toBeNull();
    expect((await catalog.getSweep('dealer33'))?.sweepType).toBe('dealer');
  });

  it('reads the sweep, its registry rows and pages of rows', async () => {
    const catalog = ctx();
    const write = balancedWrite('browse', 12);
    const { sweepId } = await catalog.writeSweep(write);
    const sweep = await catalog.getSweep('browse');
    expect(sweep).toMatchObject({
      sweepId,
      name: 'browse',
      owner: 'alice@laptop',
      sweepType: 'balanced',
      revision: 1,
      createdAt: '2026-01-02T03:04:05.000Z',
      config: write.config,
      summary: write.summary,
      pairsTotal: 12,
      pairsCompleted: 12,
      totalBytes: 5_000_000_000,
      archiveBytes: 1_234_567,
      sourceHost: 'laptop',
    });
    expect(Number.isNaN(Date.parse(sweep?.syncedAt ?? ''))).toBe(false);
    expect(await catalog.getSweep('no-such-sweep')).toBeNull();

    expect(await catalog.listRegistryRows('browse')).toEqual(write.registryRows);
    const page = await catalog.listComparisonRows('browse', { offset: 5, limit: 4 });
    expect(page).toEqual(write.comparisonRows.slice(5, 9));
    expect(await catalog.listComparisonRows('browse', { limit: 3 })).toEqual(
      write.comparisonRows.slice(0, 3),
    );
    expect(await catalog.listComparisonRows('browse', { offset: 10 })).toEqual(
      write.comparisonRows.slice(10),
    );
    expect(await catalog.listComparisonRows('browse', { offset: 12 })).toEqual([]);
    expect(await catalog.listRegistryRows('browse', { offset: 20, limit: 10 })).toEqual(
      write.registryRows.slice(20),
    );
    expect(await catalog.listRegistryRows('browse', { offset: 1, limit: 2 })).toEqual(
      write.registryRows.slice(1, 3),
    );
    expect(await catalog.listComparisonRows('no-such-sweep')).toEqual([]);
    expect(await catalog.listRegistryRows('no-such-sweep')).toEqual([]);
  });

  it('keeps two owners’ sweeps of one name apart, filters and deletes', async () => {
    const catalog = ctx();
    const alice = await catalog.writeSweep(
      syncedAt(balancedWrite('shared', 2, 'alice@laptop'), '2026-01-02T04:00:00.000Z'),
    );
    const bob = await catalog.writeSweep(
      syncedAt(
        { ...balancedWrite('shared', 3, 'bob@workstation'), sweepType: 'aggregate-only' },
        '2026-01-02T05:00:00.000Z',
      ),
    );
    expect(bob.sweepId).not.toBe(alice.sweepId);
    expect((await catalog.getSweep('shared', 'bob@workstation'))?.owner).toBe('bob@workstation');
    expect(await catalog.listComparisonRows('shared', { owner: 'alice@laptop' })).toHaveLength(2);
    // The run ids are the same in both copies: the registry key includes the sweep.
    expect(await catalog.listRegistryRows('shared', { owner: 'bob@workstation' })).toHaveLength(6);
    expect(await catalog.listRegistryRows('shared', { owner: 'alice@laptop' })).toHaveLength(4);

    const bobs = await catalog.listSweeps({ owner: 'bob@workstation' });
    expect(bobs.map((s) => s.name)).toEqual(['shared']);
    expect((await catalog.listSweeps({ type: 'aggregate-only' })).map((s) => s.owner)).toEqual([
      'bob@workstation',
    ]);
    expect(await catalog.listSweeps({ type: 'ring' })).toEqual([]);
    const all = await catalog.listSweeps();
    // Newest sync first: bob synced after alice.
    expect(all.filter((s) => s.name === 'shared').map((s) => s.owner)).toEqual([
      'bob@workstation',
      'alice@laptop',
    ]);
    const synced = all.map((s) => s.syncedAt);
    expect(synced).toEqual([...synced].sort().reverse());
    expect(await catalog.listSweeps({ limit: 1, offset: 1 })).toEqual(all.slice(1, 2));
    expect(await catalog.listSweeps({ limit: 2 })).toEqual(all.slice(0, 2));

    // Without an owner a shared name is ambiguous: never a silent pick of someone's sweep.
    await expect(catalog.getSweep('shared')).rejects.toMatchObject({
      name: 'SyncError',
      category: 'usage',
      message: /Several owners/,
    });
    await expect(catalog.listComparisonRows('shared')).rejects.toMatchObject({ category: 'usage' });
    await expect(catalog.listRegistryRows('shared')).rejects.toMatchObject({ category: 'usage' });
    await expect(catalog.deleteSweep('shared')).rejects.toMatchObject({ category: 'usage' });

    await catalog.deleteSweep('shared', 'bob@workstation');
    expect(await catalog.getSweep('shared', 'bob@workstation')).toBeNull();
    expect(await catalog.listRegistryRows('shared', { owner: 'bob@workstation' })).toEqual([]);
    // Alice's copy is untouched, and her name is no longer ambiguous.
    expect(await catalog.listRegistryRows('shared', { owner: 'alice@laptop' })).toHaveLength(4);
    expect((await catalog.getSweep('shared'))?.sweepId).toBe(alice.sweepId);
    expect(await catalog.listComparisonRows('shared')).toHaveLength(2);
    await catalog.deleteSweep('shared');
    expect(await catalog.getSweep('shared')).toBeNull();
    expect(await catalog.listSweeps({ owner: 'alice@laptop' })).not.toContainEqual(
      expect.objectContaining({ name: 'shared' }),
    );
  });

  it('deletes a sweep with its rows; deleting it again, or one never synced, is fine', async () => {
    const catalog = ctx();
    await catalog.writeSweep(balancedWrite('gone', 5));
    await catalog.deleteSweep('gone');
    await catalog.deleteSweep('gone');
    await catalog.deleteSweep('never-synced');
    expect(await catalog.getSweep('gone')).toBeNull();
    expect(await catalog.listComparisonRows('gone')).toEqual([]);
    expect(await catalog.listRegistryRows('gone')).toEqual([]);
    expect((await catalog.listSweeps()).map((s) => s.name)).not.toContain('gone');

    // Written again, it starts afresh (a new id, only the new rows).
    const again = await catalog.writeSweep(balancedWrite('gone', 2));
    expect(again.sweepId).toMatch(UUID);
    expect(await catalog.listComparisonRows('gone')).toHaveLength(2);
  });

  it('a run listed twice in a registry is kept once, with its later row', async () => {
    const catalog = ctx();
    const write = balancedWrite('rerun', 2);
    const first = write.registryRows[0]!;
    const rerun = { ...first, status: 'failed', parameters: { ...first.parameters, status: 'failed' } };
    await catalog.writeSweep({ ...write, registryRows: [...write.registryRows, rerun] });
    const back = await catalog.listRegistryRows('rerun');
    expect(back).toHaveLength(4);
    expect(back.filter((r) => r.runId === first.runId)).toEqual([rerun]);
    expect(new Set(back.map((r) => r.runId))).toEqual(new Set(write.registryRows.map((r) => r.runId)));
  });

  it('writes all or nothing', async () => {
    const catalog = ctx();
    const good = balancedWrite('atomic', 3);
    await catalog.writeSweep(good);

    // Refused at the sweep itself.
    const badType = { ...balancedWrite('atomic', 5), revision: 2, sweepType: 'not-a-type' as 'balanced' };
    await expect(catalog.writeSweep(badType)).rejects.toMatchObject({ name: 'SyncError' });
    // Refused mid-way, at a registry row with no run id, after the sweep and its comparison rows.
    const badRow = { ...balancedWrite('atomic', 6), revision: 3 };
    badRow.registryRows = badRow.registryRows.map((r, i) =>
      i === 7 ? { ...r, runId: null as unknown as string } : r,
    );
    await expect(catalog.writeSweep(badRow)).rejects.toMatchObject({ name: 'SyncError' });

    expect(await catalog.getSweep('atomic')).toMatchObject({
      revision: 1,
      sweepType: 'balanced',
      pairsTotal: 3,
    });
    expect(await catalog.listComparisonRows('atomic')).toEqual(good.comparisonRows);
    expect(await catalog.listRegistryRows('atomic')).toEqual(good.registryRows);

    // A write refused for a new sweep leaves no sweep behind.
    await expect(catalog.writeSweep({ ...badRow, name: 'atomic-new' })).rejects.toMatchObject({
      name: 'SyncError',
    });
    expect(await catalog.getSweep('atomic-new')).toBeNull();
  });

  it('a write begun early (beginSweepWrite) shows nothing until finished, then exactly what writeSweep writes', async () => {
    const catalog = ctx();
    const first = balancedWrite('early', 3);
    await catalog.writeSweep(first);
    const { manifest, archiveBytes, ...rows } = {
      ...balancedWrite('early', 5),
      revision: 2,
      archiveBytes: 4321,
    };
    const pending = catalog.beginSweepWrite(rows);
    await new Promise((r) => setTimeout(r, 300)); // a catalog that sends the rows at once has sent them
    expect(await catalog.getSweepListing('early')).toMatchObject({
      revision: 1,
      pairsTotal: 3,
      archiveBytes: first.archiveBytes,
    });
    expect(await catalog.listComparisonRows('early')).toEqual(first.comparisonRows);

    const { sweepId } = await pending.finish({ manifest, archiveBytes });
    expect(await catalog.getSweep('early')).toMatchObject({
      sweepId,
      revision: 2,
      pairsTotal: 5,
      archiveBytes: 4321,
    });
    expect(await catalog.listComparisonRows('early')).toEqual(rows.comparisonRows);
    expect(await catalog.listRegistryRows('early')).toEqual(rows.registryRows);
    await pending.abandon(); // after finish: nothing to drop
    expect(await catalog.getSweepListing('early')).toMatchObject({ sweepId, revision: 2 });
  });

  it('a write begun early and abandoned leaves the catalog as it was, and a refused one fails at finish', async () => {
    const catalog = ctx();
    const first = balancedWrite('dropped', 3);
    await catalog.writeSweep(first);
    const { manifest, archiveBytes, ...rows } = { ...balancedWrite('dropped', 6), revision: 2 };
    const dropped = catalog.beginSweepWrite(rows);
    await new Promise((r) => setTimeout(r, 300));
    await dropped.abandon();
    expect(await catalog.getSweep('dropped')).toMatchObject({ revision: 1, pairsTotal: 3 });
    expect(await catalog.listRegistryRows('dropped')).toEqual(first.registryRows);
    const neverWritten = catalog.beginSweepWrite({ ...rows, name: 'dropped-new' });
    await neverWritten.abandon();
    expect(await catalog.getSweep('dropped-new')).toBeNull();

    // A registry row with no run id: refused as writeSweep refuses it, nothing of it written.
    const bad = {
      ...rows,
      revision: 3,
      registryRows: rows.registryRows.map((r, i) =>
        i === 4 ? { ...r, runId: null as unknown as string } : r,
      ),
    };
    const refused = catalog.beginSweepWrite(bad);
    await expect(refused.finish({ manifest, archiveBytes })).rejects.toMatchObject({ name: 'SyncError' });
    await refused.abandon();
    expect(await catalog.getSweep('dropped')).toMatchObject({ revision: 1, pairsTotal: 3 });
    expect(await catalog.listComparisonRows('dropped')).toEqual(first.comparisonRows);
  });

  it('refuses a page that is not a whole number ≥ 0 as a usage error', async () => {
    const catalog = ctx();
    await catalog.writeSweep(balancedWrite('paged-badly', 2));
    await expect(catalog.listSweeps({ limit: -1 })).rejects.toMatchObject({ category: 'usage' });
    await expect(catalog.listComparisonRows('paged-badly', { offset: -1 })).rejects.toMatchObject({
      category: 'usage',
    });
    await expect(catalog.listRegistryRows('paged-badly', { limit: 1.5 })).rejects.toMatchObject({
      category: 'usage',
    });
  });
}
