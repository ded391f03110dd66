import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../../platform/clock';
import type { CursorCodec } from '../../platform/cursor';
import { actorOf, type AuditLog } from '../../platform/audit';
import { platformErrors } from '../../platform/errors';
import type { EventBus } from '../../platform/events';
import type { AuthContext } from '../../platform/http';
import { newId } from '../../platform/ids';
import type { IdempotencyKeys } from '../../platform/idempotency';
import type { Logger } from '../../platform/logger';
import type { CurrencyCode } from '../../platform/money';
import { requireUser, roleRank, type OrganizationAccess } from '../identity';
import { dealsErrors, validationFailed } from './deals.errors';
import { publishDealEvents } from './deals.events';
import type { DealRow, DealsDb, DealsRepository, EventRow, OfferRow } from './deals.repository';
import type { CreateDealInput, CreateOfferInput, Deal, DealEvent, Offer, OfferActionInput } from './deals.schema';
import { z } from 'zod';
import { assertOfferTransition, type OfferAction, type Side } from './deals.workflow';

/** What deals needs of the listings module: any listing by id, whatever its status. */
export interface DealListings {
  findListing(id: string): Promise<{ id: string; organizationId: string; status: string; askingPrice: { currency: string } } | null>;
}

export interface DealsServiceDependencies {
  repository: DealsRepository;
  access: OrganizationAccess;
  listings: DealListings;
  idempotency: IdempotencyKeys;
  cursors: CursorCodec;
  clock: Clock;
  /** Money actions (accepting, rejecting, withdrawing offers) are audited in their transaction. */
  audit?: AuditLog;
  logger: Logger;
  bus: EventBus;
}

/** The events appended by the transaction running in this async context (see `publishing`). */
const appendedEvents = new AsyncLocalStorage<EventRow[]>();

interface Participation {
  userId: string;
  side: Side;
  /** Buyer, buyer's agent and seller members with role agent or higher act; seller viewers only read. */
  canAct: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const dealNotFound = (id: string) => dealsErrors.DEAL_NOT_FOUND(`No deal ${id} that you take part in.`);
const listCursor = z.object({ u: z.uuid(), i: z.uuid() }).strict();
const eventsCursor = z.object({ d: z.uuid(), s: z.number().int().min(0) }).strict();

/**
 * Deals and their offer workflow (docs/deals.md). Every change locks the deal row, checks the
 * caller's expectedVersion, applies one transition of deals.workflow.ts, appends to deal_events
 * and bumps the version, all in one transaction.
 */
export class DealsService {
  constructor(private readonly deps: DealsServiceDependencies) {}

  private get repository(): DealsRepository {
    return this.deps.repository;
  }

  async openDeal(auth: AuthContext | null, input: CreateDealInput): Promise<Deal> {
    const userId = requireUser(auth);
    const listing = await this.deps.listings.findListing(input.listingId);
    const notFound = () =>
      dealsErrors.DEAL_LISTING_NOT_FOUND(`No listing ${input.listingId} that you can see.`, [{ path: 'listingId', message: 'no such listing' }]);
    if (!listing || listing.status === 'draft' || listing.status === 'withdrawn') throw notFound();
    if (listing.status !== 'active' && listing.status !== 'under_offer') {
      throw dealsErrors.LISTING_NOT_OPEN_FOR_OFFERS(`Listing ${listing.id} is ${listing.status}; only active and under_offer listings take offers.`, [
        { path: 'listingId', message: `the listing is ${listing.status}` },
      ]);
    }
    if (await this.deps.access.standing(auth, listing.organizationId)) {
      throw validationFailed([{ path: 'listingId', message: "is your own organization's listing; you act for the seller" }]);
    }
    if (input.buyerAgentUserId === userId) throw validationFailed([{ path: 'buyerAgentUserId', message: 'must be someone other than you, the buyer' }]);
    const existing = await this.repository.findDealOfBuyer(listing.id, userId);
    if (existing) throw dealsErrors.DEAL_ALREADY_OPEN(`You already have deal ${existing.id} on this listing.`, [], { dealId: existing.id });
    const now = this.deps.clock.now();
    const row: DealRow = {
      id: newId(),
      listing_id: listing.id,
      organization_id: listing.organizationId,
      buyer_user_id: userId,
      buyer_agent_user_id: input.buyerAgentUserId ?? null,
      currency: listing.askingPrice.currency,
      status: 'open',
      accepted_offer_id: null,
      version: 1,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.publishing(() =>
        this.repository.transaction(async (trx) => {
          await this.repository.insertDeal(row, trx);
          await this.event(trx, row.id, 'deal.opened', userId, null, now, { listingId: listing.id, buyerAgentUserId: row.buyer_agent_user_id });
        }),
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '23503') throw validationFailed([{ path: 'buyerAgentUserId', message: 'is not a Domus user' }]);
      if (code === '23505') throw dealsErrors.DEAL_ALREADY_OPEN('You already have a deal on this listing.');
      throw error;
    }
    return this.view(row, 'buyer', []);
  }

  async getDeal(auth: AuthContext | null, id: string): Promise<Deal> {
    const { deal, participation } = await this.requireParticipant(auth, id);
    await this.expireDueOffers([deal.id]);
    const current = (await this.repository.findDeal(id)) ?? deal;
    return this.view(current, participation.side, await this.repository.listOffers([id]));
  }

  async listDeals(auth: AuthContext | null, query: { cursor?: string; limit: number }): Promise<Page<Deal>> {
    const userId = requireUser(auth);
    let before: string | undefined;
    if (query.cursor) {
      const position = this.deps.cursors.decode('deals', query.cursor, listCursor);
      if (position.u !== userId) throw platformErrors.INVALID_CURSOR('This cursor belongs to another list.', [{ path: 'query.cursor', message: 'cursor does not match the query' }]);
      before = position.i;
    }
    const organizationIds = await this.deps.access.readableOrganizationIds(auth);
    const rows = (await this.repository.listDeals(userId, organizationIds, before, query.limit)).slice(0, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const ids = page.map((row) => row.id);
    await this.expireDueOffers(ids);
    const offers = await this.repository.listOffers(ids);
    const items = page.map((row) =>
      this.view(row, row.buyer_user_id === userId || row.buyer_agent_user_id === userId ? 'buyer' : 'seller', offers.filter((offer) => offer.deal_id === row.id)),
    );
    const last = page.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? this.deps.cursors.encode('deals', { u: userId, i: last.id }) : null };
  }

  async listEvents(auth: AuthContext | null, id: string, query: { cursor?: string; limit: number }): Promise<Page<DealEvent>> {
    await this.requireParticipant(auth, id);
    await this.expireDueOffers([id]);
    let after = 0;
    if (query.cursor) {
      const position = this.deps.cursors.decode('deal-events', query.cursor, eventsCursor);
      if (position.d !== id) throw platformErrors.INVALID_CURSOR('This cursor belongs to another deal.', [{ path: 'query.cursor', message: 'cursor does not match the query' }]);
      after = position.s;
    }
    const rows = await this.repository.listEvents(id, after, query.limit);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toEvent),
      nextCursor: rows.length > query.limit && last ? this.deps.cursors.encode('deal-events', { d: id, s: last.sequence }) : null,
    };
  }

  /** Submits a first offer (buyer side) or a counter to the other side's submitted offer. */
  async submitOffer(auth: AuthContext | null, id: string, input: CreateOfferInput, idempotencyKey: string | undefined): Promise<{ deal: Deal; replayed: boolean }> {
    const { deal, participation } = await this.requireActor(auth, id);
    if (input.amount.currency !== deal.currency) {
      throw validationFailed([{ path: 'amount.currency', message: `must be ${deal.currency}, the currency of the listing` }]);
    }
    const now = this.deps.clock.now();
    if (Date.parse(input.expiresAt) <= now.getTime()) throw validationFailed([{ path: 'expiresAt', message: 'must be in the future' }]);
    const outcome = await this.publishing(() => this.deps.idempotency.execute(
      { scope: `POST /deals/${id}/offers user:${participation.userId}`, key: idempotencyKey, payload: input },
      async (outer) => {
        const trx = this.repository.bind(outer);
        const locked = await this.lockForChange(trx, id, input.expectedVersion);
        const offers = await this.repository.listOffers([id], trx);
        const live = offers.find((offer) => offer.status === 'submitted');
        const side = participation.side;
        let respondsTo: string | null = null;
        if (live && live.side === side) {
          throw dealsErrors.OFFER_PENDING(`Your side's offer ${live.id} still awaits an answer; withdraw it before making another.`, [], { offerId: live.id });
        }
        if (live) {
          await this.transition(trx, live, 'counter', side, participation.userId, now);
          respondsTo = live.id;
        } else if (side === 'seller') {
          throw dealsErrors.OFFER_ACTION_FORBIDDEN('The seller side answers offers: it counters, accepts or rejects the buyer\'s submitted offer.');
        }
        const offer: OfferRow = {
          id: newId(),
          deal_id: id,
          number: (offers.at(-1)?.number ?? 0) + 1,
          side,
          created_by: participation.userId,
          responds_to: respondsTo,
          amount_minor: input.amount.amountMinor,
          currency: input.amount.currency,
          financing: input.conditions.financing,
          inspection: input.conditions.inspection,
          closing_date: input.conditions.closingDate,
          notes: input.conditions.notes,
          expires_at: new Date(input.expiresAt),
          status: assertOfferTransition({ id: 'new', status: 'draft', side }, 'submit', side),
          created_at: now,
          updated_at: now,
        };
        await this.repository.insertOffer(offer, trx);
        await this.event(trx, id, 'offer.submitted', participation.userId, offer, now, {
          number: offer.number,
          side,
          respondsTo,
          conditions: input.conditions,
          expiresAt: offer.expires_at.toISOString(),
        });
        const updated = await this.bump(trx, locked, now, {});
        return { statusCode: 201, body: this.view(updated, side, await this.repository.listOffers([id], trx)) };
      },
    ));
    return { deal: outcome.body, replayed: outcome.replayed };
  }

  async actOnOffer(
    auth: AuthContext | null,
    id: string,
    offerId: string,
    action: Extract<OfferAction, 'accept' | 'reject' | 'withdraw'>,
    input: OfferActionInput,
    client: { ip?: string | null; requestId?: string | null } = {},
  ): Promise<Deal> {
    const { participation } = await this.requireActor(auth, id);
    const now = this.deps.clock.now();
    return this.publishing(() => this.repository.transaction(async (trx) => {
      const locked = await this.lockForChange(trx, id, input.expectedVersion, false);
      const offers = await this.repository.listOffers([id], trx);
      const offer = offers.find((candidate) => candidate.id === offerId);
      if (!offer) throw dealsErrors.OFFER_NOT_FOUND(`Deal ${id} has no offer ${offerId}.`);
      if (offer.status === 'expired') throw dealsErrors.OFFER_EXPIRED(`Offer ${offerId} expired at ${offer.expires_at.toISOString()}.`);
      if (locked.status === 'accepted') throw dealsErrors.DEAL_CLOSED(`Deal ${id} is closed: offer ${locked.accepted_offer_id} was accepted.`);
      if (action === 'accept' && offer.number !== offers.at(-1)?.number) {
        throw dealsErrors.INVALID_OFFER_TRANSITION(`Only the latest offer of the deal can be accepted; offer ${offerId} is not.`);
      }
      await this.transition(trx, offer, action, participation.side, participation.userId, now, input.reason);
      const updated = await this.bump(trx, locked, now, action === 'accept' ? { status: 'accepted', accepted_offer_id: offer.id } : {});
      await this.deps.audit?.record(
        {
          action: `deals.offer.${action === 'accept' ? 'accepted' : action === 'reject' ? 'rejected' : 'withdrawn'}`,
          actor: actorOf(auth),
          ip: client.ip ?? null,
          requestId: client.requestId ?? null,
          organizationId: locked.organization_id,
          target: { type: 'offer', id: offer.id },
          details: { dealId: id, side: participation.side, amountMinor: offer.amount_minor, currency: offer.currency, offerNumber: offer.number },
        },
        trx,
      );
      return this.view(updated, participation.side, await this.repository.listOffers([id], trx));
    }));
  }

  /** Whether the caller takes part in the deal (the realtime gateway's room check); null when not, or no such deal. */
  async participantOf(auth: AuthContext | null, id: string): Promise<{ side: Side; canAct: boolean } | null> {
    if (!auth?.userId) return null;
    const deal = await this.repository.findDeal(id);
    const participation = deal ? await this.participation(auth, deal) : null;
    return participation ? { side: participation.side, canAct: participation.canAct } : null;
  }

  // ---- helpers -----------------------------------------------------------------------------

  private async requireParticipant(auth: AuthContext | null, id: string): Promise<{ deal: DealRow; participation: Participation }> {
    requireUser(auth);
    const deal = await this.repository.findDeal(id);
    const participation = deal ? await this.participation(auth, deal) : null;
    if (!deal || !participation) throw dealNotFound(id);
    return { deal, participation };
  }

  private async requireActor(auth: AuthContext | null, id: string): Promise<{ deal: DealRow; participation: Participation }> {
    const found = await this.requireParticipant(auth, id);
    if (!found.participation.canAct) {
      throw dealsErrors.OFFER_ACTION_FORBIDDEN('Viewers of the seller organization can follow a deal; acting on offers needs the agent role or higher.');
    }
    return found;
  }

  /** API keys take no part in deals: every offer change is signed by a person. */
  private async participation(auth: AuthContext | null, deal: DealRow): Promise<Participation | null> {
    if (!auth?.userId || auth.apiKey) return null;
    if (auth.userId === deal.buyer_user_id || auth.userId === deal.buyer_agent_user_id) return { userId: auth.userId, side: 'buyer', canAct: true };
    const standing = await this.deps.access.standing(auth, deal.organization_id);
    if (!standing?.role) return null;
    return { userId: auth.userId, side: 'seller', canAct: roleRank[standing.role] >= roleRank.agent };
  }

  /** Locks the deal row, records due expiries, then checks the caller's version. */
  private async lockForChange(trx: DealsDb, id: string, expectedVersion: number, refuseClosed = true): Promise<DealRow> {
    const locked = await this.repository.findDeal(id, trx, { forUpdate: true });
    if (!locked) throw dealNotFound(id);
    await this.expireLocked(trx, id);
    if (refuseClosed && locked.status === 'accepted') {
      throw dealsErrors.DEAL_CLOSED(`Deal ${id} is closed: offer ${locked.accepted_offer_id} was accepted.`);
    }
    if (locked.version !== expectedVersion) {
      throw platformErrors.VERSION_CONFLICT(`Deal ${id} is at version ${locked.version}, not ${expectedVersion}; reload it and decide again.`, [], {
        currentVersion: locked.version,
      });
    }
    return locked;
  }

  /** Offers past their expiry behave as expired; this records it (lazily, under the deal lock). */
  private async expireDueOffers(dealIds: string[]): Promise<void> {
    const due = await this.repository.dealsWithExpiredOffers(dealIds, this.deps.clock.now());
    for (const dealId of due) {
      await this.publishing(() =>
        this.repository.transaction(async (trx) => {
          await this.repository.findDeal(dealId, trx, { forUpdate: true });
          await this.expireLocked(trx, dealId);
        }),
      );
    }
  }

  private async expireLocked(trx: DealsDb, dealId: string): Promise<void> {
    const now = this.deps.clock.now();
    const offers = await this.repository.listOffers([dealId], trx);
    for (const offer of offers) {
      if (offer.status === 'submitted' && offer.expires_at.getTime() <= now.getTime()) {
        await this.transition(trx, offer, 'expire', 'clock', null, offer.expires_at);
      }
    }
  }

  private async transition(trx: DealsDb, offer: OfferRow, action: OfferAction, actorSide: Side | 'clock', actorUserId: string | null, at: Date, reason?: string): Promise<void> {
    const to = assertOfferTransition(offer, action, actorSide);
    await this.repository.setOfferStatus(offer.id, to, at, trx);
    await this.event(trx, offer.deal_id, `offer.${to}`, actorUserId, offer, at, { number: offer.number, side: offer.side, ...(reason ? { reason } : {}) });
  }

  private async bump(trx: DealsDb, deal: DealRow, now: Date, changes: Partial<Pick<DealRow, 'status' | 'accepted_offer_id'>>): Promise<DealRow> {
    const updated: DealRow = { ...deal, ...changes, version: deal.version + 1, updated_at: now };
    await this.repository.updateDeal(deal.id, { ...changes, version: updated.version, updated_at: now }, trx);
    return updated;
  }

  /**
   * Runs a transaction and, once it has committed, publishes the events it appended on the bus
   * (deals.events.ts). A rolled-back transaction publishes nothing; a publish that fails is logged,
   * never undoes the change: the history in deal_events stays the source of truth.
   */
  private async publishing<T>(run: () => Promise<T>): Promise<T> {
    const appended: EventRow[] = [];
    const result = await appendedEvents.run(appended, run);
    await publishDealEvents(this.deps.bus, this.deps.logger, appended.map((row) => ({ dealId: row.deal_id, event: toEvent(row) })));
    return result;
  }

  private async event(trx: DealsDb, dealId: string, type: string, actorUserId: string | null, offer: OfferRow | null, at: Date, data: Record<string, unknown>): Promise<void> {
    const row = await this.repository.appendEvent(
      {
        id: newId(),
        deal_id: dealId,
        type,
        actor_user_id: actorUserId,
        offer_id: offer?.id ?? null,
        amount_minor: offer?.amount_minor ?? null,
        currency: offer?.currency ?? null,
        occurred_at: at,
        data,
      },
      trx,
    );
    appendedEvents.getStore()?.push(row);
  }

  private view(row: DealRow, side: Side, offers: OfferRow[]): Deal {
    return {
      id: row.id,
      listingId: row.listing_id,
      organizationId: row.organization_id,
      buyerUserId: row.buyer_user_id,
      buyerAgentUserId: row.buyer_agent_user_id,
      currency: row.currency,
      status: row.status,
      acceptedOfferId: row.accepted_offer_id,
      version: row.version,
      yourSide: side,
      offers: offers.map(toOffer),
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }
}

function toOffer(row: OfferRow): Offer {
  return {
    id: row.id,
    number: row.number,
    side: row.side,
    createdBy: row.created_by,
    respondsTo: row.responds_to,
    amount: { amountMinor: row.amount_minor, currency: row.currency as CurrencyCode },
    conditions: { financing: row.financing, inspection: row.inspection, closingDate: row.closing_date, notes: row.notes },
    expiresAt: row.expires_at.toISOString(),
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toEvent(row: EventRow): DealEvent {
  return {
    sequence: row.sequence,
    type: row.type,
    actorUserId: row.actor_user_id,
    offerId: row.offer_id,
    amount: row.amount_minor === null || row.currency === null ? null : { amountMinor: row.amount_minor, currency: row.currency as CurrencyCode },
    occurredAt: row.occurred_at.toISOString(),
    data: row.data,
  };
}
