import type { Clock } from '../../platform/clock';
import type { CursorCodec } from '../../platform/cursor';
import { platformErrors } from '../../platform/errors';
import type { EventBus } from '../../platform/events';
import type { AuthContext } from '../../platform/http';
import type { IdempotencyKeys } from '../../platform/idempotency';
import { newId } from '../../platform/ids';
import type { Logger } from '../../platform/logger';
import type { CurrencyCode, Money } from '../../platform/money';
import { identityErrors, type OrganizationAccess } from '../identity';
import type { BulkImporter } from './listings.bulk-import';
import { assertListingVisible, listingNotFound, requireListingWriter } from './listings.access';
import { listingsErrors, validationFailed } from './listings.errors';
import './listings.events';
import type { BulkImportResult, ImportRecord, ListingStatus } from './listings.import-types';
import { toFacets, toListing, toProperty } from './listings.mappers';
import { decodeKeyCursor, keyPage, type Page } from './listings.pagination';
import type { PhotoService } from './listings.photos';
import { ListingsRepository } from './listings.repository';
import type { ChangeStatusInput, CreateListingInput, CreatePropertyInput, Listing, Property, UpdateListingInput, UpdatePropertyInput } from './listings.schema';
import { propertyProblems } from './listings.schema';
import { decodeSearchCursor, encodeSearchCursor, toSearchRequest, type SearchFacets, type SearchQueryInput, type SearchRequest } from './listings.search';
import type { SearchCache } from './listings.search.cache';
import { chooseBoxAccess, type BoxAccess, type DensityGrid } from './listings.search.planner';
import { boxesAround, type SearchRepository } from './listings.search.repository';
import type { ListingRow, PropertyRow } from './listings.tables';
import { assertTransition, isClosedStatus, transitionTimestamps } from './listings.workflow';

export interface ListingsServiceDependencies {
  repository: ListingsRepository;
  search: SearchRepository;
  density: DensityGrid;
  searchCache: SearchCache;
  photos: PhotoService;
  importer: BulkImporter;
  access: OrganizationAccess;
  idempotency: IdempotencyKeys;
  cursors: CursorCodec;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
}

const propertyNotFound = (id: string) => () => listingsErrors.PROPERTY_NOT_FOUND(`No property ${id} that you can see.`);

/** Business rules of properties, listings and search (saved searches: listings.saved-searches.ts). No SQL, no HTTP. */
export class ListingsService {
  private readonly repository: ListingsRepository;
  constructor(private readonly deps: ListingsServiceDependencies) {
    this.repository = deps.repository;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  // ---- properties --------------------------------------------------------------------------

  async createProperty(auth: AuthContext | null, input: CreatePropertyInput, idempotencyKey?: string): Promise<{ property: Property; replayed: boolean }> {
    await this.deps.access.require(auth, input.organizationId, 'agent', 'listings:write', () =>
      identityErrors.ORGANIZATION_NOT_FOUND(`No organization ${input.organizationId} that you belong to.`, [{ path: 'organizationId', message: 'unknown organization' }]),
    );
    const outcome = await this.deps.idempotency.execute(
      { scope: `POST /properties ${callerScope(auth)}`, key: idempotencyKey, payload: input },
      async (trx) => {
        const now = this.now();
        const row = await this.repository.insertProperty(
          {
            id: newId(now.getTime()),
            organization_id: input.organizationId,
            address: input.address,
            city: input.city,
            country: input.country,
            postal_code: input.postalCode ?? null,
            latitude: input.latitude ?? null,
            longitude: input.longitude ?? null,
            property_type: input.propertyType,
            living_area_m2: input.livingAreaM2 ?? null,
            plot_area_m2: input.plotAreaM2 ?? null,
            rooms: input.rooms ?? null,
            bedrooms: input.bedrooms ?? null,
            bathrooms: input.bathrooms ?? null,
            year_built: input.yearBuilt ?? null,
            year_renovated: input.yearRenovated ?? null,
            energy_label: input.energyLabel ?? null,
            features: input.features ?? [],
            attributes: {},
            created_at: now,
            updated_at: now,
          },
          this.repository.bind(trx),
        );
        return { statusCode: 201, body: toProperty(row) };
      },
    );
    return { property: outcome.body, replayed: outcome.replayed };
  }

  async getProperty(auth: AuthContext | null, id: string): Promise<Property> {
    const row = await this.repository.findProperty(id);
    if (!row) throw propertyNotFound(id)();
    await this.deps.access.require(auth, row.organization_id, 'viewer', 'listings:read', propertyNotFound(id));
    return toProperty(row);
  }

  async updateProperty(auth: AuthContext | null, id: string, input: UpdatePropertyInput): Promise<Property> {
    const existing = await this.repository.findProperty(id);
    if (!existing) throw propertyNotFound(id)();
    await this.deps.access.require(auth, existing.organization_id, 'agent', 'listings:write', propertyNotFound(id));
    const row = await this.repository.transaction(async (trx) => {
      const current = await this.repository.findProperty(id, trx, { forUpdate: true });
      if (!current) throw propertyNotFound(id)();
      const changes = propertyChanges(input);
      const merged = { ...current, ...changes };
      const problems = propertyProblems({ latitude: merged.latitude, longitude: merged.longitude, yearBuilt: merged.year_built, yearRenovated: merged.year_renovated });
      if (problems.length > 0) throw validationFailed(problems);
      if (Object.keys(changes).length === 0) return current;
      // The listings' search copies follow in the same statement (trigger properties_propagate_to_listings).
      return this.repository.updateProperty(id, { ...changes, updated_at: this.now() }, trx);
    });
    this.changed();
    return toProperty(row);
  }

  async listProperties(auth: AuthContext | null, organizationId: string, cursor: string | undefined, limit: number): Promise<Page<Property>> {
    await this.deps.access.require(auth, organizationId, 'viewer', 'listings:read');
    const beforeId = decodeKeyCursor(this.deps.cursors, 'listings.properties', cursor, organizationId, null);
    const rows = await this.repository.listProperties(organizationId, beforeId, limit + 1);
    return keyPage(this.deps.cursors, rows.map(toProperty), limit, 'listings.properties', organizationId, null);
  }

  // ---- listings ----------------------------------------------------------------------------

  async createListing(auth: AuthContext | null, input: CreateListingInput, idempotencyKey?: string): Promise<{ listing: Listing; replayed: boolean }> {
    const property = await this.repository.findProperty(input.propertyId);
    const notFound = () =>
      listingsErrors.PROPERTY_NOT_FOUND(`No property ${input.propertyId} that you can see.`, [{ path: 'propertyId', message: 'unknown property' }]);
    if (!property) throw notFound();
    await this.deps.access.require(auth, property.organization_id, 'agent', 'listings:write', notFound);
    const outcome = await this.deps.idempotency.execute(
      { scope: `POST /listings ${callerScope(auth)}`, key: idempotencyKey, payload: input },
      async (trx) => {
        const db = this.repository.bind(trx);
        const now = this.now();
        const id = newId(now.getTime());
        await this.repository.insertListing(
          {
            id,
            organization_id: property.organization_id,
            property_id: property.id,
            kind: input.kind,
            status: 'draft',
            title: input.title,
            description: input.description,
            asking_price_minor: input.askingPrice.amountMinor,
            currency: input.askingPrice.currency,
            published_at: null,
            closed_at: null,
            closing_price_minor: null,
            version: 1,
            is_synthetic: false,
            external_ref: null,
            created_at: now,
            updated_at: now,
          },
          db,
        );
        await this.repository.insertPriceHistory(
          [{ listing_id: id, price_minor: input.askingPrice.amountMinor, currency: input.askingPrice.currency, changed_at: now }],
          db,
        );
        const [view] = await this.repository.loadListingViews([id], db);
        if (!view) throw new Error(`listing ${id} vanished inside its own transaction`);
        return { statusCode: 201, body: toListing(view) };
      },
    );
    return { listing: outcome.body, replayed: outcome.replayed };
  }

  /** Public for active, under_offer, sold and rented; drafts and withdrawn only for the organization. */
  async getListing(auth: AuthContext | null, id: string): Promise<Listing> {
    const [view] = await this.repository.loadListingViews([id]);
    if (!view) throw listingNotFound(id)();
    await this.assertVisible(auth, view);
    return toListing(view);
  }

  async updateListing(auth: AuthContext | null, id: string, input: UpdateListingInput): Promise<Listing> {
    await this.requireWritableListing(auth, id);
    await this.repository.transaction(async (trx) => {
      const current = await this.lockListing(id, input.expectedVersion, trx);
      if (isClosedStatus(current.status)) {
        throw listingsErrors.LISTING_CLOSED(`The listing is ${current.status}; a closed listing is a record and is not edited.`);
      }
      const changes: Partial<ListingRow> = {};
      if (input.title !== undefined && input.title !== current.title) changes.title = input.title;
      if (input.description !== undefined && input.description !== current.description) changes.description = input.description;
      const price = input.askingPrice;
      const priceChanged = price !== undefined && (price.amountMinor !== current.asking_price_minor || price.currency !== current.currency);
      if (price && priceChanged) {
        changes.asking_price_minor = price.amountMinor;
        changes.currency = price.currency;
      }
      if (Object.keys(changes).length === 0) return;
      const now = this.now();
      await this.repository.updateListing(id, { ...changes, version: current.version + 1, updated_at: now }, trx);
      if (price && priceChanged) {
        await this.repository.insertPriceHistory([{ listing_id: id, price_minor: price.amountMinor, currency: price.currency, changed_at: now }], trx);
      }
    });
    this.changed();
    return this.view(id);
  }

  async changeStatus(auth: AuthContext | null, id: string, input: ChangeStatusInput): Promise<Listing> {
    await this.requireWritableListing(auth, id);
    const now = this.now();
    const before = await this.repository.transaction(async (trx) => {
      const current = await this.lockListing(id, input.expectedVersion, trx);
      assertTransition(current.kind, current.status, input.status);
      if (input.closingPrice && !isClosedStatus(input.status)) {
        throw validationFailed([{ path: 'closingPrice', message: 'only for a move to sold or rented' }]);
      }
      if (input.closingPrice && input.closingPrice.currency !== current.currency) {
        throw validationFailed([{ path: 'closingPrice.currency', message: `must be the listing's currency, ${current.currency}` }]);
      }
      await this.repository.updateListing(
        id,
        {
          status: input.status,
          ...transitionTimestamps(current, input.status, now),
          closing_price_minor: input.closingPrice?.amountMinor ?? null,
          version: current.version + 1,
          updated_at: now,
        },
        trx,
      );
      return current;
    });
    this.changed();
    if (input.status === 'active') await this.publishListingPublished(id, before.organization_id, now);
    return this.view(id);
  }

  async priceHistory(auth: AuthContext | null, id: string): Promise<Page<{ price: Money; changedAt: string }>> {
    const listing = await this.repository.findListing(id);
    if (!listing) throw listingNotFound(id)();
    await this.assertVisible(auth, listing);
    const rows = await this.repository.listPriceHistory(id);
    return {
      items: rows.map((row) => ({ price: { amountMinor: row.price_minor, currency: row.currency as CurrencyCode }, changedAt: row.changed_at.toISOString() })),
      nextCursor: null,
    };
  }

  async listWorkspace(auth: AuthContext | null, organizationId: string, query: { status?: ListingStatus; cursor?: string; limit: number }): Promise<Page<Listing>> {
    await this.deps.access.require(auth, organizationId, 'viewer', 'listings:read');
    const status = query.status ?? null;
    const beforeId = decodeKeyCursor(this.deps.cursors, 'listings.workspace', query.cursor, organizationId, status);
    const rows = await this.repository.listWorkspace(organizationId, query.status, beforeId, query.limit + 1);
    return keyPage(this.deps.cursors, rows.map(toListing), query.limit, 'listings.workspace', organizationId, status);
  }

  // ---- search ------------------------------------------------------------------------------

  /** The search answer as JSON text, from the micro-cache when the same search ran moments ago. */
  async searchJson(input: SearchQueryInput): Promise<Buffer> {
    const request = toSearchRequest(input);
    const key = JSON.stringify(request);
    const cached = this.deps.searchCache.get(key);
    if (cached !== undefined) return cached;
    const generation = this.deps.searchCache.currentGeneration;
    const body = Buffer.from(JSON.stringify(await this.runSearch(request)), 'utf8');
    this.deps.searchCache.set(key, body, generation);
    return body;
  }

  search(input: SearchQueryInput): Promise<Page<Listing> & { facets?: SearchFacets }> {
    return this.runSearch(toSearchRequest(input));
  }

  private async runSearch(request: SearchRequest): Promise<Page<Listing> & { facets?: SearchFacets }> {
    const after = decodeSearchCursor(this.deps.cursors, request);
    const access = await this.boxAccess(request);
    const [rows, facetRows] = await Promise.all([
      this.deps.search.page(request.filters, request.sort, after, request.limit + 1, access),
      request.facets ? this.deps.search.facets(request.filters) : Promise.resolve(undefined),
    ]);
    const pageRows = rows.slice(0, request.limit);
    const last = pageRows.at(-1);
    const nextCursor =
      rows.length > request.limit && last
        ? encodeSearchCursor(this.deps.cursors, request, {
            key: last.sort_key instanceof Date ? last.sort_key.toISOString() : Number(last.sort_key),
            id: last.id,
          })
        : null;
    return { items: pageRows.map(toListing), nextCursor, ...(facetRows ? { facets: toFacets(facetRows) } : {}) };
  }

  /** How to walk the indexes: by the density grid for map boxes (listings.search.planner.ts). */
  private async boxAccess(request: SearchRequest): Promise<BoxAccess> {
    const { filters } = request;
    const boxes = filters.bbox ? [filters.bbox] : filters.near ? boxesAround(filters.near) : [];
    if (boxes.length === 0) return 'ordered';
    // Cells and the ordered walk need the covering indexes, which hold active and under_offer
    // listings only; with a text query the GIN index leads and the planner combines it with the box.
    if (filters.q || filters.statuses.some((status) => status === 'sold' || status === 'rented')) return 'spatial';
    await this.deps.density.ensureFresh();
    const inBox = boxes.reduce((sum, box) => sum + this.deps.density.estimate(box), 0);
    return chooseBoxAccess(request.sort, boxes, inBox, this.deps.density.totalCount, request.limit);
  }

  // ---- for other modules and loaders (no caller checks: they are trusted code) ---------------

  bulkImport(organizationId: string, records: ImportRecord[], options?: { batchSize?: number; onProgress?: (done: number, total: number) => void }): Promise<BulkImportResult> {
    return this.deps.importer.bulkImport(organizationId, records, options);
  }

  countListings(): Promise<number> {
    return this.repository.countListings();
  }

  /** Any listing by id, whatever its status, or null. */
  async findListing(id: string): Promise<Listing | null> {
    const [view] = await this.repository.loadListingViews([id]);
    return view ? toListing(view) : null;
  }

  addPhotoFromBuffer(listingId: string, buffer: Buffer) {
    return this.deps.photos.addPhoto(listingId, buffer);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private assertVisible(auth: AuthContext | null, listing: { id: string; organization_id: string; status: ListingStatus }): Promise<void> {
    return assertListingVisible(this.deps.access, auth, listing);
  }

  private requireWritableListing(auth: AuthContext | null, id: string): Promise<ListingRow> {
    return requireListingWriter(this.deps.access, this.repository, auth, id);
  }

  private async lockListing(id: string, expectedVersion: number | undefined, trx: Parameters<ListingsRepository['findListing']>[1]): Promise<ListingRow> {
    const current = await this.repository.findListing(id, trx, { forUpdate: true });
    if (!current) throw listingNotFound(id)();
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw platformErrors.VERSION_CONFLICT(
        `The listing is at version ${current.version}, not ${expectedVersion}: someone changed it since you read it. Reload and apply your change again.`,
        [{ path: 'expectedVersion', message: `is stale; the current version is ${current.version}` }],
        { currentVersion: current.version },
      );
    }
    return current;
  }

  /** After a write: public search answers may have changed. */
  private changed(): void {
    this.deps.searchCache.clear();
  }

  private async view(id: string): Promise<Listing> {
    const [view] = await this.repository.loadListingViews([id]);
    if (!view) throw listingNotFound(id)();
    return toListing(view);
  }

  private async publishListingPublished(listingId: string, organizationId: string, at: Date): Promise<void> {
    try {
      await this.deps.bus.publish('listing.published', { listingId, organizationId, at: at.toISOString() });
    } catch (error) {
      // The database is the source of truth; a lost notification must not fail the write.
      this.deps.logger.warn({ err: error, listingId }, 'could not publish listing.published');
    }
  }
}

function callerScope(auth: AuthContext | null): string {
  return auth?.userId ? `user:${auth.userId}` : `api-key:${auth?.apiKey?.id ?? 'none'}`;
}

function propertyChanges(input: UpdatePropertyInput): Partial<PropertyRow> {
  const mapping: Record<keyof UpdatePropertyInput, keyof PropertyRow> = {
    address: 'address', city: 'city', country: 'country', propertyType: 'property_type', postalCode: 'postal_code',
    latitude: 'latitude', longitude: 'longitude', livingAreaM2: 'living_area_m2', plotAreaM2: 'plot_area_m2', rooms: 'rooms',
    bedrooms: 'bedrooms', bathrooms: 'bathrooms', yearBuilt: 'year_built', yearRenovated: 'year_renovated',
    energyLabel: 'energy_label', features: 'features',
  };
  const changes: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(mapping)) {
    const value = input[field as keyof UpdatePropertyInput];
    if (value !== undefined) changes[column] = value;
  }
  return changes as Partial<PropertyRow>;
}
