import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../../platform/db';
import type { DatabaseTransaction } from '../../platform/idempotency';
import {
  listingColumns,
  propertyColumns,
  type ListingRow,
  type ListingsDb,
  type ListingsTables,
  type NewListingRow,
  type PhotoRow,
  type PropertyRow,
  type SavedSearchRow,
} from './listings.tables';
import type { ListingStatus } from './listings.import-types';

export interface PhotoSummary {
  id: string;
  position: number;
  width: number;
  height: number;
  contentType: string;
}

/** A listing with its property (columns prefixed `p_`) and its photos, as the API shows it. */
export type ListingViewRow = ListingRow & { [K in keyof PropertyRow as `p_${K}`]: PropertyRow[K] } & { photos: PhotoSummary[] };

/**
 * The select list of a listing view over `listings l JOIN properties p`. Photos come from a
 * correlated subquery on (listing_id, position): one index probe per row of the page, inside the
 * same statement, so a page of 20 costs one round trip, never 21.
 */
export const listingViewSelect: RawBuilder<unknown> = sql.raw(
  [
    ...listingColumns.map((column) => `l.${column}`),
    ...propertyColumns.map((column) => `p.${column} AS p_${column}`),
    `(SELECT coalesce(json_agg(json_build_object('id', ph.id, 'position', ph.position, 'width', ph.width, 'height', ph.height,` +
      ` 'contentType', ph.content_type) ORDER BY ph.position), '[]'::json) FROM listing_photos ph WHERE ph.listing_id = l.id) AS photos`,
  ].join(', '),
);

/** All SQL of the listings module except search (listings.search.repository.ts) and bulk import. */
export class ListingsRepository {
  readonly db: Kysely<ListingsTables>;
  constructor(database: Database) {
    this.db = database.withTables<ListingsTables>();
  }

  transaction<T>(work: (trx: Transaction<ListingsTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /** Narrows a transaction opened elsewhere (e.g. by the idempotency helper) to this module's tables. */
  bind(trx: DatabaseTransaction): Transaction<ListingsTables> {
    return trx.withTables<ListingsTables>() as unknown as Transaction<ListingsTables>;
  }

  // ---- properties --------------------------------------------------------------------------

  async insertProperty(row: PropertyRow, executor: ListingsDb = this.db): Promise<PropertyRow> {
    return executor.insertInto('properties').values(propertyInsertValues(row)).returning(propertyColumns).executeTakeFirstOrThrow();
  }

  findProperty(id: string, executor: ListingsDb = this.db, options: { forUpdate?: boolean } = {}): Promise<PropertyRow | undefined> {
    let query = executor.selectFrom('properties').select(propertyColumns).where('id', '=', id);
    if (options.forUpdate) query = query.forUpdate();
    return query.executeTakeFirst();
  }

  updateProperty(id: string, changes: Partial<PropertyRow>, executor: ListingsDb = this.db): Promise<PropertyRow> {
    return executor
      .updateTable('properties')
      .set(propertyUpdateValues(changes))
      .where('id', '=', id)
      .returning(propertyColumns)
      .executeTakeFirstOrThrow();
  }

  /** Newest first (UUIDv7 ids sort by creation), keyset after `beforeId`. */
  listProperties(organizationId: string, beforeId: string | undefined, limit: number): Promise<PropertyRow[]> {
    let query = this.db.selectFrom('properties').select(propertyColumns).where('organization_id', '=', organizationId);
    if (beforeId) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  }

  // ---- listings ----------------------------------------------------------------------------

  findListing(id: string, executor: ListingsDb = this.db, options: { forUpdate?: boolean } = {}): Promise<ListingRow | undefined> {
    let query = executor.selectFrom('listings').select(listingColumns).where('id', '=', id);
    if (options.forUpdate) query = query.forUpdate();
    return query.executeTakeFirst();
  }

  async insertListing(row: NewListingRow, executor: ListingsDb = this.db): Promise<void> {
    await executor.insertInto('listings').values(row).execute();
  }

  updateListing(id: string, changes: Partial<ListingRow>, executor: ListingsDb = this.db): Promise<ListingRow> {
    return executor.updateTable('listings').set(changes).where('id', '=', id).returning(listingColumns).executeTakeFirstOrThrow();
  }

  async loadListingViews(ids: readonly string[], executor: ListingsDb = this.db): Promise<ListingViewRow[]> {
    if (ids.length === 0) return [];
    const result = await sql<ListingViewRow>`
      SELECT ${listingViewSelect}
      FROM listings l JOIN properties p ON p.id = l.property_id
      WHERE l.id = ANY(${[...ids]}::uuid[])`.execute(executor);
    const byId = new Map(result.rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id)).filter((row): row is ListingViewRow => row !== undefined);
  }

  /** An organization's listings, newest first, in any status (the workspace). */
  async listWorkspace(organizationId: string, status: ListingStatus | undefined, beforeId: string | undefined, limit: number): Promise<ListingViewRow[]> {
    const result = await sql<ListingViewRow>`
      SELECT ${listingViewSelect}
      FROM listings l JOIN properties p ON p.id = l.property_id
      WHERE l.organization_id = ${organizationId}::uuid
        ${status ? sql`AND l.status = ${status}` : sql``}
        ${beforeId ? sql`AND l.id < ${beforeId}::uuid` : sql``}
      ORDER BY l.id DESC
      LIMIT ${limit}`.execute(this.db);
    return result.rows;
  }

  async countListings(): Promise<number> {
    const row = await this.db.selectFrom('listings').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async insertPriceHistory(entries: { listing_id: string; price_minor: number; currency: string; changed_at: Date }[], executor: ListingsDb = this.db): Promise<void> {
    if (entries.length > 0) await executor.insertInto('listing_price_history').values(entries).execute();
  }

  // ---- bulk import -------------------------------------------------------------------------

  async existingExternalRefs(organizationId: string, refs: string[], executor: ListingsDb): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const rows = await executor
      .selectFrom('listings')
      .select('external_ref')
      .where('organization_id', '=', organizationId)
      .where('external_ref', 'in', refs)
      .execute();
    return new Set(rows.map((row) => row.external_ref as string));
  }

  // Batches travel as one JSON parameter expanded by json_populate_recordset: a thousand rows
  // as bound parameters would be 20,000 of them, which costs more to build, send and parse.

  async insertProperties(rows: PropertyRow[], executor: ListingsDb): Promise<void> {
    if (rows.length === 0) return;
    await sql`INSERT INTO properties SELECT * FROM json_populate_recordset(NULL::properties, ${JSON.stringify(rows)}::json)`.execute(executor);
  }

  /** A row whose (organization, externalRef) exists is skipped. Returns the inserted ids. */
  async insertListingsSkippingKnownRefs(rows: NewListingRow[], executor: ListingsDb): Promise<string[]> {
    if (rows.length === 0) return [];
    const columns = sql.raw(listingColumns.join(', '));
    const result = await sql<{ id: string }>`
      INSERT INTO listings (${columns})
      SELECT ${columns} FROM json_populate_recordset(NULL::listings, ${JSON.stringify(rows)}::json)
      ON CONFLICT (organization_id, external_ref) DO NOTHING
      RETURNING id`.execute(executor);
    return result.rows.map((row) => row.id);
  }

  async insertPriceHistoryBatch(entries: { listing_id: string; price_minor: number; currency: string; changed_at: Date }[], executor: ListingsDb): Promise<void> {
    if (entries.length === 0) return;
    await sql`
      INSERT INTO listing_price_history (listing_id, price_minor, currency, changed_at)
      SELECT listing_id, price_minor, currency, changed_at
      FROM json_populate_recordset(NULL::listing_price_history, ${JSON.stringify(entries)}::json)`.execute(executor);
  }

  /**
   * Outside any transaction (VACUUM cannot run in one). VACUUM sets the visibility map that
   * index-only scans need; ANALYZE covers the columns search filters on (the text columns'
   * statistics cost more to gather than they help plans).
   */
  async vacuumAnalyze(): Promise<void> {
    await sql`VACUUM listings`.execute(this.db);
    await sql`ANALYZE listings (organization_id, status, kind, property_type, asking_price_minor, published_at, bedrooms, bathrooms, rooms, living_area_m2, energy_label, country, postal_code, city, location)`.execute(this.db);
  }

  async deleteProperties(ids: string[], executor: ListingsDb): Promise<void> {
    if (ids.length > 0) await executor.deleteFrom('properties').where('id', 'in', ids).execute();
  }

  listPriceHistory(listingId: string) {
    return this.db
      .selectFrom('listing_price_history')
      .select(['price_minor', 'currency', 'changed_at'])
      .where('listing_id', '=', listingId)
      .orderBy('changed_at')
      .orderBy('id')
      .execute();
  }

  // ---- photos ------------------------------------------------------------------------------

  async countPhotos(listingId: string, executor: ListingsDb = this.db): Promise<number> {
    const row = await executor
      .selectFrom('listing_photos')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('listing_id', '=', listingId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async insertPhoto(row: PhotoRow, executor: ListingsDb = this.db): Promise<void> {
    await executor.insertInto('listing_photos').values(row).execute();
  }

  /** A stored photo whose renditions came from exactly these bytes, to share instead of re-encoding. */
  findPhotoByContent(contentSha256: string, executor: ListingsDb = this.db) {
    return executor.selectFrom('listing_photos').selectAll().where('content_sha256', '=', contentSha256).limit(1).executeTakeFirst();
  }

  /**
   * Locks a photo row against deletion until the transaction ends (FOR SHARE); resolves undefined
   * when it is gone. A new row that shares the row's files takes this lock, so a concurrent delete
   * either sees the new reference (and keeps the files) or wins first (and the upload re-encodes).
   */
  lockPhotoForSharing(photoId: string, executor: ListingsDb) {
    return executor.selectFrom('listing_photos').select(['id']).where('id', '=', photoId).forShare().executeTakeFirst();
  }

  async countPhotosUsingFile(originalKey: string, executor: ListingsDb): Promise<number> {
    const row = await executor
      .selectFrom('listing_photos')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('original_key', '=', originalKey)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  findPhotoWithListing(photoId: string) {
    return this.db
      .selectFrom('listing_photos as ph')
      .innerJoin('listings as l', 'l.id', 'ph.listing_id')
      .selectAll('ph')
      .select(['l.organization_id', 'l.status'])
      .where('ph.id', '=', photoId)
      .executeTakeFirst();
  }

  /** Deletes a photo and closes the gap in the positions (the unique position key is deferred). */
  async deletePhoto(listingId: string, photoId: string, executor: ListingsDb): Promise<PhotoRow | undefined> {
    const deleted = await executor
      .deleteFrom('listing_photos')
      .where('id', '=', photoId)
      .where('listing_id', '=', listingId)
      .returningAll()
      .executeTakeFirst();
    if (deleted) {
      await executor
        .updateTable('listing_photos')
        .set((eb) => ({ position: eb('position', '-', 1) }))
        .where('listing_id', '=', listingId)
        .where('position', '>', deleted.position)
        .execute();
    }
    return deleted;
  }

  // ---- saved searches ----------------------------------------------------------------------

  async insertSavedSearch(row: SavedSearchRow, executor: ListingsDb = this.db): Promise<void> {
    await executor.insertInto('saved_searches').values(row).execute();
  }

  /** Locks the user's saved searches so that two concurrent creations cannot pass the cap together. */
  async countSavedSearchesForUpdate(userId: string, executor: ListingsDb): Promise<number> {
    const rows = await executor.selectFrom('saved_searches').select('id').where('user_id', '=', userId).forUpdate().execute();
    return rows.length;
  }

  findSavedSearch(id: string, userId: string): Promise<SavedSearchRow | undefined> {
    return this.db.selectFrom('saved_searches').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  }

  listSavedSearches(userId: string, beforeId: string | undefined, limit: number): Promise<SavedSearchRow[]> {
    let query = this.db.selectFrom('saved_searches').selectAll().where('user_id', '=', userId);
    if (beforeId) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  }

  async deleteSavedSearch(id: string, userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('saved_searches').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

/** jsonb needs an explicit JSON string: node-postgres would send a JS array as a PostgreSQL array. */
function jsonb<T>(value: T): RawBuilder<T> {
  return sql<T>`${JSON.stringify(value)}::jsonb`;
}

function propertyInsertValues(row: PropertyRow) {
  return { ...row, attributes: jsonb(row.attributes) };
}

function propertyUpdateValues(changes: Partial<PropertyRow>) {
  const { attributes, ...rest } = changes;
  return attributes === undefined ? rest : { ...rest, attributes: jsonb(attributes) };
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: string; constraint?: string };
  return candidate.code === '23505' && (constraint === undefined || candidate.constraint === constraint);
}
