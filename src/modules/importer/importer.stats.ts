import type { SeedTarget } from './demo-data.service';
import { ImporterRepository, type SeedMarker } from './importer.repository';

export interface PlatformStats {
  users: number;
  organizations: number;
  listings: { total: number; byStatus: Record<string, number> };
  demoSeed: SeedMarker | null;
}

/** What the operator's `stats` command prints: accounts, listings per status, the demo-seeding marker. */
export async function collectStats(domus: SeedTarget): Promise<PlatformStats> {
  const repository = new ImporterRepository(domus.platform.db);
  const [accounts, total, byStatus, demoSeed] = await Promise.all([
    domus.modules.identity.service.countAccounts(),
    domus.modules.listings.service.countListings(),
    repository.countListingsByStatus(),
    repository.readDemoSeed(),
  ]);
  return { ...accounts, listings: { total, byStatus }, demoSeed };
}
