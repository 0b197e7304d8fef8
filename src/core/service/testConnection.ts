import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { checkResultSchema } from '../../shared/commands.js';
import type { AppConfig } from '../config/loadConfig.js';
import { toSyncError } from '../model/errors.js';
import { createCatalog, createObjectStore } from '../stores/createStores.js';

export type CheckResult = z.infer<typeof checkResultSchema>;

/**
 * Test connection (`bilancio-sync doctor`, the settings' Test button, with saved or draft settings): checks each configured destination for real, the way a sync would use it —
 * the object store by writing, reading back and deleting a probe object; the catalog by connecting and
 * checking its schema version. Each check runs even if another failed, so the report names every problem.
 */
export async function testConnection(config: AppConfig): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const check = async (name: string, body: () => Promise<string>): Promise<void> => {
    const started = Date.now();
    try {
      checks.push({
        name,
        ok: true,
        detail: await body(),
        hint: null,
        category: null,
        ms: Date.now() - started,
      });
    } catch (e) {
      const err = toSyncError(e);
      checks.push({
        name,
        ok: false,
        detail: err.message,
        hint: err.toAppError().hint,
        category: err.category,
        ms: Date.now() - started,
      });
    }
  };

  await check('object store: write, read back, delete a probe object', async () => {
    const store = await createObjectStore(config.objectStore);
    try {
      const key = `.bilancio-sync-probe/${randomUUID()}`;
      const body = Buffer.from(`bilancio-sync doctor ${new Date().toISOString()}\n`);
      await store.put(key, body, { contentType: 'text/plain', size: body.length });
      const chunks: Buffer[] = [];
      for await (const c of await store.get(key)) chunks.push(c as Buffer);
      await store.delete(key);
      if (!Buffer.concat(chunks).equals(body))
        throw new Error('the probe object read back differs from what was written');
      return `${store.description}: ok`;
    } finally {
      await store.close();
    }
  });

  await check('catalog: connect and check the schema', async () => {
    const catalog = await createCatalog(config.catalog);
    try {
      await catalog.open();
      const sweeps = await catalog.listSweeps({ limit: 1 });
      return `${catalog.description}: schema ok${sweeps.length === 0 ? ', no sweeps yet' : ''}`;
    } finally {
      await catalog.close();
    }
  });

  return checks;
}
