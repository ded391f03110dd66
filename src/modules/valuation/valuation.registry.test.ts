import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { computeThreadStats, createRng } from '../../ml/index.js';
import { createOrganization, createTestDomus, signUp, type TestDomus } from '../../../test/support/harness';
import { createValuationModule, type ValuationModule } from './index';
import { soldRecords } from './valuation.test-support';
import { explainerReady } from './avm/valuate.js';

describe('model registry across nodes', () => {
  let domus: TestDomus;
  let nodeB: ValuationModule;

  beforeAll(async () => {
    domus = await createTestDomus();
    const owner = await signUp(domus);
    const organizationId = await createOrganization(domus, owner);
    await domus.modules.listings.service.bulkImport(organizationId, soldRecords(300));
    // A second node: the same database, files and bus, its own node id and memory.
    nodeB = createValuationModule({ ...domus.platform, nodeId: 'node-b' }, { access: domus.modules.identity.access, listings: domus.modules.listings.service });
  }, 180_000);
  afterAll(async () => {
    await nodeB?.stop?.();
    await domus?.close();
  });

  it('records each model with its fingerprint, and another node follows an activation through the bus', async () => {
    const byThread = computeThreadStats.byThread;
    const first = await domus.modules.valuation.service.trainFromListings({ activate: true });
    // The training ran on the compute thread, off this node's event loop.
    expect(computeThreadStats.byThread).toBe(byThread + 1);
    // The demo's sold listings span less than three years: no outlook from their own index, and the registry says why.
    expect(first.metrics?.outlook).toMatch(/^none: the sales span \d+ complete quarters?; an outlook from them needs 12/);
    expect((await nodeB.registry.active()).row.version).toBe(first.version);
    // The other node built the model's explanation tables when it loaded it, before serving.
    expect(explainerReady(nodeB.registry.loaded!.avm)).toBe(true);
    const second = await domus.modules.valuation.service.trainFromListings({ activate: false });
    // Same sold listings, same fingerprint; a new version all the same.
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.version).toBe(first.version + 1);
    expect(nodeB.registry.loaded?.row.version).toBe(first.version);
    await domus.modules.valuation.registry.activate(second.id);
    await vi.waitFor(() => expect(nodeB.registry.loaded?.row.version).toBe(second.version), { timeout: 10_000 });
    expect((await domus.modules.valuation.registry.active()).row.version).toBe(second.version);
  }, 180_000);

  it('records a failed training with its reason and never activates it', async () => {
    const failing = createValuationModule(domus.platform, { access: domus.modules.identity.access, listings: { ...domus.modules.listings.service, search: async () => ({ items: [], nextCursor: null }) } as never });
    await expect(failing.service.trainFromListings({ activate: true })).rejects.toMatchObject({ code: 'NOT_ENOUGH_SALES' });
    await failing.stop?.();
  });

  it('trains from a CSV with a market outlook from a quarterly index, and refuses an index too short or unreadable', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'domus-outlook-'));
    try {
      const rng = createRng(3);
      const lines = ['sold,area_m2,rooms,lat,lng,price'];
      for (let i = 0; i < 300; i++) {
        const area = Math.round(40 + rng.next() * 100);
        const month = 1 + Math.floor(rng.next() * 12);
        lines.push([`2022-${String(month).padStart(2, '0')}-10`, area, 1 + Math.floor(area / 30), (52.3 + rng.next() * 0.1).toFixed(5), (4.85 + rng.next() * 0.1).toFixed(5), Math.round(area * 4000 * (1 + month / 200) * (0.95 + rng.next() * 0.1))].join(','));
      }
      const sales = path.join(dir, 'sales.csv');
      writeFileSync(sales, `${lines.join('\n')}\n`);
      const index = (quarters: number) => ['year,quarter,index', ...Array.from({ length: quarters }, (_, k) => `${2023 - Math.ceil((quarters - k) / 4)},${((k + (4 - (quarters % 4))) % 4) + 1},${(100 * Math.exp(0.01 * k + (k % 4 === 1 ? 0.01 : 0))).toFixed(2)}`)].join('\n');
      writeFileSync(path.join(dir, 'index.csv'), index(24)); // 2017Q1..2022Q4
      const service = domus.modules.valuation.service;
      const { model } = await service.trainFromCsv(sales, { target: 'price', date: 'sold', currency: 'EUR', activate: false, outlookIndex: { file: path.join(dir, 'index.csv') } });
      expect(model.status).toBe('ready');
      expect(model.source_detail).toContain('outlook from index.csv');
      expect(model.metrics?.outlook).toMatch(/index\.csv, not seasonally adjusted, to 2022Q2$/);
      // Held out: the latest 10% of 2022's sales; published by the last training sale (autumn 2022): up to 2022Q2.
      const loaded = await domus.modules.valuation.registry.load(model.id);
      expect(loaded?.avm.parts.blend.outlook?.source).toMatch(/index\.csv, not seasonally adjusted, to 2022Q2$/);

      writeFileSync(path.join(dir, 'short.csv'), index(8));
      await expect(service.trainFromCsv(sales, { target: 'price', date: 'sold', currency: 'EUR', activate: false, outlookIndex: { file: path.join(dir, 'short.csv') } })).rejects.toThrow(/fewer than 12 quarters/);
      writeFileSync(path.join(dir, 'bad.csv'), 'year,quarter,index\n2020,1,100\n2020,9,101\n');
      await expect(service.trainFromCsv(sales, { target: 'price', date: 'sold', currency: 'EUR', activate: false, outlookIndex: { file: path.join(dir, 'bad.csv') } })).rejects.toThrow(/Line 3 of the index file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
