import { describe, expect, it } from 'vitest';
import { createDomus } from '../../app';
import { createTestDomus } from '../../../test/support/harness';
import { demoLogin } from './demo-data.generator';
import { seedDemoData } from './demo-data.service';
import { ImporterRepository } from './importer.repository';

const options = { listings: 60, photos: 0, distinctPhotos: 6, chunkSize: 100 } as const;

describe('seeding on a shared database', () => {
  it('seeds once when two nodes start at the same moment', async () => {
    const first = await createTestDomus();
    const second = await createDomus(first.config, { database: first.platform.database, clock: first.clock });
    try {
      const results = await Promise.all([seedDemoData(first, options), seedDemoData(second, options)]);
      expect(results.filter((result) => result.seeded)).toHaveLength(1);
      expect(results.find((result) => !result.seeded)?.reason).toMatch(/^(seeding-elsewhere|already-seeded)$/);
      expect(await first.modules.listings.service.countListings()).toBe(60);

      // A node that claimed the seeding and died: others wait, then take over after ten minutes of silence.
      const repository = new ImporterRepository(first.platform.db);
      await repository.writeDemoSeed({ status: 'running', nodeId: 'dead-node', startedAt: first.clock.now().toISOString() }, first.clock.now());
      expect(await seedDemoData(second, options)).toMatchObject({ seeded: false, reason: 'seeding-elsewhere' });
      first.clock.advance(11 * 60_000);
      expect(await seedDemoData(second, options)).toMatchObject({ seeded: true, listingsCreated: 0, listingsSkipped: 60, users: 0 });
      expect(await repository.readDemoSeed()).toMatchObject({ status: 'done' });
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('leaves a database that already has listings alone', async () => {
    const domus = await createTestDomus();
    try {
      const owner = await domus.modules.identity.service.signUp({ email: 'owner@existing.example.com', password: 'a long enough password', displayName: 'Owner' });
      const organization = await domus.modules.identity.service.createOrganization(owner.id, 'Existing Agency', 'existing-agency');
      await domus.modules.listings.service.bulkImport(organization.id, [
        {
          property: { address: 'Somewhere 1', city: 'Utrecht', country: 'NL', postalCode: '3511 AA', latitude: 52.09, longitude: 5.12, propertyType: 'house', livingAreaM2: 100, plotAreaM2: null, rooms: 4, bedrooms: 3, bathrooms: 1, yearBuilt: 1990, energyLabel: 'C', features: [] },
          listing: { kind: 'sale', title: 'A house', description: 'Real.', askingPrice: { amountMinor: 40_000_000, currency: 'EUR' }, status: 'active', publishedAt: new Date('2026-01-01T00:00:00Z') },
          isSynthetic: false,
        },
      ]);
      const result = await seedDemoData(domus, options);
      expect(result).toMatchObject({ seeded: false, reason: 'database-has-listings' });
      expect(await domus.modules.listings.service.countListings()).toBe(1);
      expect(await domus.modules.identity.service.findUserByEmail(demoLogin.email)).toBeNull();
      expect((await seedDemoData(domus, options)).reason).toBe('already-seeded');
    } finally {
      await domus.close();
    }
  });
});
