import { z } from 'zod';
import type { Clock } from '../../platform/clock';
import { platformErrors } from '../../platform/errors';
import { newId } from '../../platform/ids';
import { moneySchema } from '../../platform/money';
import { identityErrors } from '../identity';
import type { BulkImportResult, ImportRecord } from './listings.import-types';
import type { ListingsRepository } from './listings.repository';
import { listingKindSchema, listingStatusSchema, propertyFields, propertyProblems } from './listings.schema';
import type { ListingRow, PropertyRow } from './listings.tables';

export interface BulkImportOptions {
  /** Records per transaction (default 1000, at most 2000: PostgreSQL allows 65,535 parameters per statement). */
  batchSize?: number;
  /** Called after each committed batch. */
  onProgress?: (done: number, total: number) => void;
}

const date = z.date({ error: 'must be a valid Date' }).refine((value) => !Number.isNaN(value.getTime()), 'must be a valid Date');

const importPropertySchema = z
  .object({
    ...propertyFields,
    postalCode: propertyFields.postalCode,
    yearRenovated: propertyFields.yearRenovated.optional(),
    attributes: propertyFields.attributes.optional(),
  })
  .strict();

const importRecordSchema = z
  .object({
    property: importPropertySchema,
    listing: z
      .object({
        kind: listingKindSchema,
        title: z.string().trim().min(1, 'must not be empty').max(200),
        description: z.string().trim().max(20_000),
        askingPrice: moneySchema,
        status: listingStatusSchema,
        publishedAt: date.optional(),
        closedAt: date.optional(),
        closingPrice: moneySchema.optional(),
      })
      .strict(),
    priceHistory: z.array(z.object({ price: moneySchema, changedAt: date }).strict()).max(500).optional(),
    isSynthetic: z.boolean(),
    externalRef: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .superRefine((record, context) => {
    const problem = (path: (string | number)[], message: string) => context.addIssue({ code: 'custom', path, message });
    for (const item of propertyProblems(record.property)) problem(['property', item.path], item.message);
    const { listing } = record;
    const closing = listing.status === 'sold' || listing.status === 'rented';
    if (listing.status === 'draft' && listing.publishedAt) problem(['listing', 'publishedAt'], 'a draft has not been published');
    if (listing.status !== 'draft' && listing.status !== 'withdrawn' && !listing.publishedAt) problem(['listing', 'publishedAt'], `is required for a ${listing.status} listing`);
    if (listing.status === 'sold' && listing.kind !== 'sale') problem(['listing', 'status'], 'sold is only for sale listings; a rent listing ends as rented');
    if (listing.status === 'rented' && listing.kind !== 'rent') problem(['listing', 'status'], 'rented is only for rent listings; a sale listing ends as sold');
    if (listing.closedAt && !closing && listing.status !== 'withdrawn') problem(['listing', 'closedAt'], 'only for sold, rented or withdrawn listings');
    if (listing.closedAt && listing.publishedAt && listing.closedAt < listing.publishedAt) problem(['listing', 'closedAt'], 'must not be before publishedAt');
    if (listing.closingPrice && !closing) problem(['listing', 'closingPrice'], 'only for sold or rented listings');
    if (listing.closingPrice && listing.closingPrice.currency !== listing.askingPrice.currency) problem(['listing', 'closingPrice', 'currency'], 'must be the asking price currency');
    (record.priceHistory ?? []).forEach((entry, index, entries) => {
      if (entry.price.currency !== listing.askingPrice.currency) problem(['priceHistory', index, 'price', 'currency'], 'must be the asking price currency');
      const previous = entries[index - 1];
      if (previous && entry.changedAt < previous.changedAt) problem(['priceHistory', index, 'changedAt'], 'entries must be oldest first');
    });
  });
type ValidRecord = z.output<typeof importRecordSchema>;

/**
 * Writes loader records (demo generator, CSV importer, benchmarks) in batched multi-row INSERTs.
 * Every record is validated before anything is written; each batch is one transaction; a record
 * whose externalRef the organization already has is skipped (ON CONFLICT DO NOTHING), so an
 * interrupted import is finished by running it again. No events are published: a bulk load is
 * not a stream of news.
 */
export class BulkImporter {
  private importedSinceMaintenance = 0;
  private listingsAtMaintenance: number | undefined;

  constructor(private readonly deps: { repository: ListingsRepository; clock: Clock; onImported?: () => void }) {}

  async bulkImport(organizationId: string, records: ImportRecord[], options: BulkImportOptions = {}): Promise<BulkImportResult> {
    const batchSize = Math.min(Math.max(Math.floor(options.batchSize ?? 1000), 1), 2000);
    const valid = records.map((record, index) => validateRecord(record, index));
    const result: BulkImportResult = { created: 0, skippedExisting: 0, listingIds: [] };
    const seenRefs = new Set<string>();
    for (let start = 0; start < valid.length; start += batchSize) {
      const batch: ValidRecord[] = [];
      for (const record of valid.slice(start, start + batchSize)) {
        if (record.externalRef !== undefined) {
          if (seenRefs.has(record.externalRef)) {
            result.skippedExisting += 1;
            continue;
          }
          seenRefs.add(record.externalRef);
        }
        batch.push(record);
      }
      const written = await this.writeBatch(organizationId, batch);
      result.created += written.listingIds.length;
      result.skippedExisting += written.skipped;
      result.listingIds.push(...written.listingIds);
      options.onProgress?.(Math.min(start + batchSize, valid.length), valid.length);
    }
    if (result.created > 0) {
      this.deps.onImported?.();
      await this.maintain(result.created);
    }
    return result;
  }

  /**
   * Loaders call bulkImport in chunks, so table maintenance is amortised: each time the listings
   * have doubled since the last run (and grown by at least 1,000), VACUUM and ANALYZE refresh the
   * visibility map that index-only scans need and the planner's statistics. PGlite has no
   * autovacuum, and PostgreSQL's would come minutes later.
   */
  private async maintain(created: number): Promise<void> {
    this.importedSinceMaintenance += created;
    this.listingsAtMaintenance ??= (await this.deps.repository.countListings()) - this.importedSinceMaintenance;
    if (this.importedSinceMaintenance < Math.max(1000, this.listingsAtMaintenance)) return;
    await this.deps.repository.vacuumAnalyze();
    this.listingsAtMaintenance += this.importedSinceMaintenance;
    this.importedSinceMaintenance = 0;
  }

  private async writeBatch(organizationId: string, records: ValidRecord[]): Promise<{ listingIds: string[]; skipped: number }> {
    if (records.length === 0) return { listingIds: [], skipped: 0 };
    const { repository } = this.deps;
    try {
      return await repository.transaction(async (trx) => {
        const refs = records.flatMap((record) => (record.externalRef === undefined ? [] : [record.externalRef]));
        const existing = await repository.existingExternalRefs(organizationId, refs, trx);
        const fresh = records.filter((record) => record.externalRef === undefined || !existing.has(record.externalRef));
        if (fresh.length === 0) return { listingIds: [], skipped: records.length };
        const now = this.deps.clock.now();
        const rows = fresh.map((record) => toRows(organizationId, record, now));
        await repository.insertProperties(rows.map((row) => row.property), trx);
        const insertedIds = new Set(await repository.insertListingsSkippingKnownRefs(rows.map((row) => row.listing), trx));
        // A concurrent import took some refs between our check and our insert: drop their properties.
        const lost = rows.filter((row) => !insertedIds.has(row.listing.id));
        await repository.deleteProperties(lost.map((row) => row.property.id), trx);
        await repository.insertPriceHistoryBatch(rows.filter((row) => insertedIds.has(row.listing.id)).flatMap((row) => row.history), trx);
        return { listingIds: rows.filter((row) => insertedIds.has(row.listing.id)).map((row) => row.listing.id), skipped: records.length - insertedIds.size };
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23503' && /organization/.test(String((error as Error).message))) {
        throw identityErrors.ORGANIZATION_NOT_FOUND(`No organization ${organizationId}; create it before importing into it.`);
      }
      throw error;
    }
  }
}

function validateRecord(record: ImportRecord, index: number): ValidRecord {
  const parsed = importRecordSchema.safeParse(record);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 20).flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: ['records', index, ...issue.path, key].join('.'), message: 'is not a known field' }))
      : [{ path: ['records', index, ...issue.path].join('.'), message: issue.message }],
  );
  const reference = record && typeof record === 'object' && 'externalRef' in record && record.externalRef ? ` (${String(record.externalRef)})` : '';
  throw platformErrors.VALIDATION_FAILED(
    `Import record ${index}${reference} is invalid: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}. Nothing was imported.`,
    problems,
  );
}

function toRows(organizationId: string, record: ValidRecord, now: Date) {
  const { property, listing } = record;
  const closing = listing.status === 'sold' || listing.status === 'rented' || listing.status === 'withdrawn';
  const publishedAt = listing.publishedAt ?? null;
  // A closed listing without a closing date is taken as closed at import time.
  const closedAt = closing ? (listing.closedAt ?? new Date(Math.max(now.getTime(), publishedAt?.getTime() ?? 0))) : null;
  const createdAt = publishedAt && publishedAt < now ? publishedAt : now;
  const updatedAt = new Date(Math.max(createdAt.getTime(), closedAt?.getTime() ?? 0, publishedAt?.getTime() ?? 0));
  const propertyId = newId(now.getTime());
  const listingId = newId(now.getTime());
  const propertyRow: PropertyRow = {
    id: propertyId,
    organization_id: organizationId,
    address: property.address,
    city: property.city,
    country: property.country,
    postal_code: property.postalCode,
    latitude: property.latitude,
    longitude: property.longitude,
    property_type: property.propertyType,
    living_area_m2: property.livingAreaM2,
    plot_area_m2: property.plotAreaM2,
    rooms: property.rooms,
    bedrooms: property.bedrooms,
    bathrooms: property.bathrooms,
    year_built: property.yearBuilt,
    year_renovated: property.yearRenovated ?? null,
    energy_label: property.energyLabel,
    features: property.features,
    attributes: property.attributes ?? {},
    created_at: createdAt,
    updated_at: createdAt,
  };
  const listingRow: ListingRow = {
    id: listingId,
    organization_id: organizationId,
    property_id: propertyId,
    kind: listing.kind,
    status: listing.status,
    title: listing.title,
    description: listing.description,
    asking_price_minor: listing.askingPrice.amountMinor,
    currency: listing.askingPrice.currency,
    published_at: publishedAt,
    closed_at: closedAt,
    closing_price_minor: listing.closingPrice?.amountMinor ?? null,
    version: 1,
    is_synthetic: record.isSynthetic,
    external_ref: record.externalRef ?? null,
    created_at: createdAt,
    updated_at: updatedAt,
  };
  return { property: propertyRow, listing: listingRow, history: priceHistoryRows(listingId, record, publishedAt ?? createdAt, closedAt, now) };
}

/**
 * The given earlier prices, then the current asking price unless the last entry already is it.
 * The current price is dated at the first publication when there is no history, otherwise at
 * import time (or the closing date of a closed listing): the moment it was known to hold.
 */
function priceHistoryRows(listingId: string, record: ValidRecord, firstSeen: Date, closedAt: Date | null, now: Date) {
  const entries = (record.priceHistory ?? []).map((entry) => ({
    listing_id: listingId,
    price_minor: entry.price.amountMinor,
    currency: entry.price.currency,
    changed_at: entry.changedAt,
  }));
  const asking = record.listing.askingPrice;
  const last = entries.at(-1);
  if (last && last.price_minor === asking.amountMinor && last.currency === asking.currency) return entries;
  const observed = closedAt && closedAt < now ? closedAt : now;
  const changedAt = last ? new Date(Math.max(last.changed_at.getTime(), observed.getTime())) : firstSeen;
  entries.push({ listing_id: listingId, price_minor: asking.amountMinor, currency: asking.currency, changed_at: changedAt });
  return entries;
}
