import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db';
import type { DatabaseTransaction } from '../../platform/idempotency';
import type { OfferStatus, Side } from './deals.workflow';

export type DealRow = {
  id: string;
  listing_id: string;
  organization_id: string;
  buyer_user_id: string;
  buyer_agent_user_id: string | null;
  currency: string;
  status: 'open' | 'accepted';
  accepted_offer_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export type OfferRow = {
  id: string;
  deal_id: string;
  number: number;
  side: Side;
  created_by: string;
  responds_to: string | null;
  amount_minor: number;
  currency: string;
  financing: boolean;
  inspection: boolean;
  closing_date: string;
  notes: string;
  expires_at: Date;
  status: OfferStatus;
  created_at: Date;
  updated_at: Date;
}

export type EventRow = {
  id: string;
  deal_id: string;
  sequence: number;
  type: string;
  actor_user_id: string | null;
  offer_id: string | null;
  amount_minor: number | null;
  currency: string | null;
  occurred_at: Date;
  data: Record<string, unknown>;
}

export type DealsTables = {
  deals: DealRow;
  deal_offers: OfferRow;
  deal_events: EventRow;
}
export type DealsDb = Kysely<DealsTables>;

const offerColumns = [
  'id', 'deal_id', 'number', 'side', 'created_by', 'responds_to', 'amount_minor', 'currency', 'financing', 'inspection',
  'notes', 'expires_at', 'status', 'created_at', 'updated_at',
] as const;

/** All SQL of the deals module. Writes take an executor so that they join the caller's transaction. */
export class DealsRepository {
  readonly db: DealsDb;
  constructor(database: Database) {
    this.db = database.withTables<DealsTables>();
  }

  transaction<T>(work: (trx: Transaction<DealsTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  bind(trx: DatabaseTransaction): Transaction<DealsTables> {
    return trx.withTables<DealsTables>() as unknown as Transaction<DealsTables>;
  }

  async findDeal(id: string, executor: DealsDb = this.db, options: { forUpdate?: boolean } = {}): Promise<DealRow | undefined> {
    let query = executor.selectFrom('deals').selectAll().where('id', '=', id);
    // The row lock serialises every change of one deal: two accepts at once queue here.
    if (options.forUpdate) query = query.forUpdate();
    return query.executeTakeFirst();
  }

  async findDealOfBuyer(listingId: string, buyerUserId: string, executor: DealsDb = this.db): Promise<DealRow | undefined> {
    return executor.selectFrom('deals').selectAll().where('listing_id', '=', listingId).where('buyer_user_id', '=', buyerUserId).executeTakeFirst();
  }

  async insertDeal(row: DealRow, executor: DealsDb = this.db): Promise<void> {
    await executor.insertInto('deals').values(row).execute();
  }

  async updateDeal(id: string, changes: Partial<Pick<DealRow, 'status' | 'accepted_offer_id' | 'version' | 'updated_at'>>, executor: DealsDb): Promise<void> {
    await executor.updateTable('deals').set(changes).where('id', '=', id).execute();
  }

  /** Deals the user is a buyer or buyer's agent of, or whose seller organization is one of theirs; newest first. */
  async listDeals(userId: string, organizationIds: string[], before: string | undefined, limit: number): Promise<DealRow[]> {
    let query = this.db
      .selectFrom('deals')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('buyer_user_id', '=', userId),
          eb('buyer_agent_user_id', '=', userId),
          ...(organizationIds.length > 0 ? [eb('organization_id', 'in', organizationIds)] : []),
        ]),
      );
    if (before) query = query.where('id', '<', before);
    return query.orderBy('id', 'desc').limit(limit + 1).execute();
  }

  async listOffers(dealIds: string[], executor: DealsDb = this.db): Promise<OfferRow[]> {
    if (dealIds.length === 0) return [];
    const rows = await executor
      .selectFrom('deal_offers')
      .select(offerColumns)
      // As text: a date column would otherwise come back as a Date at local midnight.
      .select(sql<string>`closing_date::text`.as('closing_date'))
      .where('deal_id', 'in', dealIds)
      .orderBy('deal_id')
      .orderBy('number')
      .execute();
    return rows.map((row) => ({ ...row, amount_minor: Number(row.amount_minor) }));
  }

  async insertOffer(row: OfferRow, executor: DealsDb): Promise<void> {
    await executor.insertInto('deal_offers').values(row).execute();
  }

  async setOfferStatus(id: string, status: OfferStatus, at: Date, executor: DealsDb): Promise<void> {
    await executor.updateTable('deal_offers').set({ status, updated_at: at }).where('id', '=', id).execute();
  }

  /** Ids of deals with a submitted offer past its expiry. */
  async dealsWithExpiredOffers(dealIds: string[], now: Date): Promise<string[]> {
    if (dealIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('deal_offers')
      .select('deal_id')
      .distinct()
      .where('deal_id', 'in', dealIds)
      .where('status', '=', 'submitted')
      .where('expires_at', '<=', now)
      .execute();
    return rows.map((row) => row.deal_id);
  }

  async appendEvent(row: Omit<EventRow, 'sequence'>, executor: DealsDb): Promise<EventRow> {
    const appended = await executor
      .insertInto('deal_events')
      .values({
        ...row,
        data: sql`${JSON.stringify(row.data)}::jsonb`,
        sequence: sql<number>`(SELECT coalesce(max(sequence), 0) + 1 FROM deal_events WHERE deal_id = ${row.deal_id})`,
      } as never)
      .returning('sequence')
      .executeTakeFirstOrThrow();
    return { ...row, sequence: appended.sequence };
  }

  async listEvents(dealId: string, after: number, limit: number): Promise<EventRow[]> {
    const rows = await this.db
      .selectFrom('deal_events')
      .selectAll()
      .where('deal_id', '=', dealId)
      .where('sequence', '>', after)
      .orderBy('sequence')
      .limit(limit + 1)
      .execute();
    return rows.map((row) => ({ ...row, amount_minor: row.amount_minor === null ? null : Number(row.amount_minor) }));
  }
}
