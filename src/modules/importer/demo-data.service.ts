import type { Domus } from '../../app';
import type { User } from '../identity';
import { demoAgentPassword, defaultDemoSeed, demoLogin, generateDemoAgencies, generateDemoListings, type DemoAgent, type DemoListing } from './demo-data.generator';
import { DemoPhotoRenderer } from './demo-photos';
import { ensureMember, ensureOrganization, ensureUser } from './importer.accounts';
import { ImporterRepository } from './importer.repository';

/** What seeding needs of the assembled application: its kernel and two modules. */
export type SeedTarget = Pick<Domus, 'platform' | 'modules'>;

export interface SeedOptions {
  /** How many listings; default the DEMO_LISTINGS setting. */
  listings?: number;
  /** Default 42. The same seed and reference date give the same data. */
  seed?: number;
  /**
   * How many of the first listings get 1-3 photos; default all of them. Drawing is cheap (a bounded
   * set of renders), and so is storing: the listings module encodes each distinct drawing once and
   * shares its renditions between the listings that reuse it (identical bytes, one set of files).
   */
  photos?: number;
  /** Distinct pictures per property type that photos are drawn from (0: every photo unique); default 48. */
  distinctPhotos?: number;
  /** "Today" of the demo market; default the clock's current day (UTC midnight). */
  referenceDate?: Date;
  /**
   * true (the default, first-run behaviour): seed only when the database has no listings and no
   * node has seeded before, and record that seeding ran. false (the CLI's `seed`): add the demo
   * data regardless; re-running it still adds nothing twice.
   */
  onlyIfEmpty?: boolean;
  /** Listings generated and written per round (spread over 12 agencies); default 2000, at most 6000. */
  chunkSize?: number;
  onProgress?: (progress: SeedProgress) => void;
}

export interface SeedProgress {
  phase: 'accounts' | 'listings' | 'photos';
  done: number;
  total: number;
}

export interface SeedResult {
  seeded: boolean;
  /** Why nothing was done, when seeded is false. */
  reason?: 'already-seeded' | 'database-has-listings' | 'seeding-elsewhere';
  users: number;
  organizations: number;
  listingsCreated: number;
  listingsSkipped: number;
  photos: number;
  distinctPhotoRenders: number;
  milliseconds: number;
}

/** A 'running' claim whose node has not written for this long is considered dead and taken over. */
const staleClaimMs = 10 * 60_000;
const photoConcurrency = 4;
export const defaultPhotoListings = Number.MAX_SAFE_INTEGER;

function startOfUtcDay(instant: Date): Date {
  return new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate()));
}

/**
 * Loads the synthetic demo data set: the agencies and their agents, the demo log-in, the listings
 * and their photos. With `onlyIfEmpty` (the default) it runs once per database, however many
 * nodes start at the same moment; every step is find-or-create, so a crashed run resumes.
 */
export async function seedDemoData(domus: SeedTarget, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const { platform } = domus;
  const identity = domus.modules.identity.service;
  const listingsService = domus.modules.listings.service;
  const repository = new ImporterRepository(platform.db);
  const count = options.listings ?? platform.config.DEMO_LISTINGS;
  const seed = options.seed ?? defaultDemoSeed;
  const photoListings = Math.min(count, options.photos ?? defaultPhotoListings);
  const onlyIfEmpty = options.onlyIfEmpty ?? true;
  const referenceDate = options.referenceDate ?? startOfUtcDay(platform.clock.now());
  const result: SeedResult = { seeded: false, users: 0, organizations: 0, listingsCreated: 0, listingsSkipped: 0, photos: 0, distinctPhotoRenders: 0, milliseconds: 0 };
  const finish = () => ({ ...result, milliseconds: Math.round(performance.now() - started) });

  const heartbeat = { status: 'running', nodeId: platform.nodeId, startedAt: platform.clock.now().toISOString() } as const;
  if (onlyIfEmpty) {
    const now = platform.clock.now();
    const claim = await repository.claimDemoSeed(platform.nodeId, now, new Date(now.getTime() - staleClaimMs));
    if (!claim) {
      const marker = await repository.readDemoSeed();
      return { ...finish(), reason: marker?.status === 'running' ? 'seeding-elsewhere' : 'already-seeded' };
    }
    // A first start on a database that already holds listings (say, an import) leaves it alone.
    // A claim taken over from a failed or dead node finds its listings and carries on instead.
    if (claim === 'new' && (await listingsService.countListings()) > 0) {
      await repository.writeDemoSeed({ status: 'skipped', reason: 'the database had listings at the first start', at: now.toISOString() }, now);
      return { ...finish(), reason: 'database-has-listings' };
    }
  }

  try {
    const organizationIds = await seedAccounts(domus, seed, result, options.onProgress);
    const renderer = new DemoPhotoRenderer(options.distinctPhotos ?? 48);
    // Each agency's share of a chunk must stay one bulkImport transaction (1,000 records).
    const chunkSize = Math.min(Math.max(1, options.chunkSize ?? 2000), 6000);
    for (let from = 0; from < count; from += chunkSize) {
      const to = Math.min(count, from + chunkSize);
      const byAgency = new Map<string, DemoListing[]>();
      for (const item of generateDemoListings(seed, referenceDate, from, to)) {
        const group = byAgency.get(item.agencySlug) ?? [];
        group.push(item);
        byAgency.set(item.agencySlug, group);
      }
      const photoJobs: { listingId: string; item: DemoListing }[] = [];
      for (const [slug, items] of byAgency) {
        const imported = await listingsService.bulkImport(organizationIds.get(slug) as string, items.map((item) => item.record));
        result.listingsCreated += imported.created;
        result.listingsSkipped += imported.skippedExisting;
        // listingIds name the created listings in record order. A group is one transaction (under
        // 1,000 records), so it is created whole or skipped whole; only a concurrent run could mix
        // the two, and then which ids belong to which records is unknown: those get no photos.
        if (imported.created === items.length) {
          imported.listingIds.forEach((listingId, position) => {
            const item = items[position] as DemoListing;
            if (item.index < photoListings) photoJobs.push({ listingId, item });
          });
        }
      }
      // The heartbeat keeps other nodes from taking over a long but live run.
      const beat = () => (onlyIfEmpty ? repository.writeDemoSeed(heartbeat, platform.clock.now()) : Promise.resolve());
      if (photoJobs.length > 0) await addPhotos(domus, renderer, photoJobs, result, beat);
      await beat();
      options.onProgress?.({ phase: 'listings', done: to, total: count });
    }
    result.distinctPhotoRenders = renderer.rendered;
    result.seeded = true;
    if (onlyIfEmpty || result.listingsCreated > 0) {
      await repository.writeDemoSeed({ status: 'done', finishedAt: platform.clock.now().toISOString(), listings: count, seed }, platform.clock.now());
    }
    return finish();
  } catch (error) {
    if (onlyIfEmpty) {
      const message = error instanceof Error ? error.message : String(error);
      await repository.writeDemoSeed({ status: 'failed', error: message.slice(0, 500), at: platform.clock.now().toISOString() }, platform.clock.now()).catch(() => undefined);
    }
    throw error;
  }
}

/** The demo log-in, the agencies and their agents; returns organization ids by agency slug. */
async function seedAccounts(domus: SeedTarget, seed: number, result: SeedResult, onProgress?: (progress: SeedProgress) => void): Promise<Map<string, string>> {
  const identity = domus.modules.identity.service;
  const agencies = generateDemoAgencies(seed);
  const demo = await ensureUser(identity, demoLogin);
  if (demo.created) result.users += 1;
  // The agents share one documented password: hash it once (argon2 costs ~50 ms a hash), and only if needed.
  let agentHash: Promise<string> | undefined;
  const passwordHash = () => (agentHash ??= identity.hashPassword(demoAgentPassword));
  const organizationIds = new Map<string, string>();
  let done = 0;
  for (const [position, agency] of agencies.entries()) {
    const agents: { agent: DemoAgent; user: User; created: boolean }[] = [];
    for (const agent of agency.agents) {
      agents.push({ agent, ...(await ensureUser(identity, { email: agent.email, displayName: agent.displayName, passwordHash })) });
    }
    result.users += agents.filter((entry) => entry.created).length;
    const owner = position === 0 ? demo.user : (agents.find((entry) => entry.agent.role === 'owner') ?? agents[0])?.user;
    if (!owner) throw new Error(`demo agency ${agency.slug} has no agents`);
    const { organization, created } = await ensureOrganization(identity, owner.id, agency.name, agency.slug);
    if (created) result.organizations += 1;
    for (const { agent, user } of agents) {
      if (user.id !== owner.id) await ensureMember(identity, organization.id, user.id, agent.role);
    }
    organizationIds.set(agency.slug, organization.id);
    done += 1;
    onProgress?.({ phase: 'accounts', done, total: agencies.length });
  }
  return organizationIds;
}

async function addPhotos(
  domus: SeedTarget,
  renderer: DemoPhotoRenderer,
  jobs: { listingId: string; item: DemoListing }[],
  result: SeedResult,
  beat: () => Promise<void>,
): Promise<void> {
  let next = 0;
  // A few listings at a time; the photos of one listing go in sequence so that they keep their order.
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      if (!job) break;
      for (const photoSeed of job.item.photoSeeds) {
        const buffer = await renderer.photo(job.item.record.property.propertyType, photoSeed);
        await domus.modules.listings.service.addPhotoFromBuffer(job.listingId, buffer);
        result.photos += 1;
        if (result.photos % 500 === 0) await beat();
      }
    }
  };
  await Promise.all(Array.from({ length: photoConcurrency }, worker));
}
