import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrganization, createTestDomus, signUp, type TestDomus } from '../../../test/support/harness';
import { createValuationModule, type ValuationModule } from './index';
import { soldRecords } from './valuation.test-support';

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
    const first = await domus.modules.valuation.service.trainFromListings({ activate: true });
    expect((await nodeB.registry.active()).row.version).toBe(first.version);
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
});
