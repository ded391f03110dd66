import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, createTestDomus, signUp, type SignedInUser, type TestDomus } from '../../../test/support/harness';
import { stepUp } from '../../../test/support/step-up';
import {
  addMember,
  anonymous,
  asKey,
  asUser,
  call,
  createApiKey,
  createListing,
  createProperty,
  expectProblem,
  setStatus,
  type Caller,
} from '../../../test/support/api-client';
import { assertOfferTransition, offerStatuses, type OfferAction, type OfferStatus, type Side } from './deals.workflow';

let domus: TestDomus;
let sellerOwner: SignedInUser;
let sellerAgent: SignedInUser;
let sellerViewer: SignedInUser;
let buyer: SignedInUser;
let buyerAgent: SignedInUser;
let stranger: SignedInUser;
let rivalOwner: SignedInUser;
let organizationId: string;
let rivalKey: string;
let sellerKey: string;
let propertyId: string;

interface DealView {
  id: string;
  version: number;
  status: string;
  yourSide: string;
  acceptedOfferId: string | null;
  offers: { id: string; number: number; side: string; status: string; respondsTo: string | null; amount: { amountMinor: number } }[];
}

beforeAll(async () => {
  domus = await createTestDomus();
  [sellerOwner, sellerAgent, sellerViewer, buyer, buyerAgent, stranger, rivalOwner] = await Promise.all(
    ['Seller Owner', 'Seller Agent', 'Seller Viewer', 'Buyer', 'Buyer Agent', 'Stranger', 'Rival Owner'].map((name) => signUp(domus, name)),
  ) as [SignedInUser, SignedInUser, SignedInUser, SignedInUser, SignedInUser, SignedInUser, SignedInUser];
  organizationId = await createOrganization(domus, sellerOwner, 'Canal Estates');
  await addMember(domus, sellerOwner, organizationId, sellerAgent.email, 'agent');
  await addMember(domus, sellerOwner, organizationId, sellerViewer.email, 'viewer');
  const rivalOrganizationId = await createOrganization(domus, rivalOwner, 'Rival Homes');
  rivalKey = await createApiKey(domus, rivalOwner, rivalOrganizationId, ['listings:read', 'listings:write']);
  sellerKey = await createApiKey(domus, sellerOwner, organizationId, ['listings:read', 'listings:write']);
  propertyId = (await createProperty(domus, asUser(sellerAgent), organizationId)).id;
}, 30_000);

afterAll(async () => {
  await domus?.close();
});

async function activeListing(status = 'active'): Promise<string> {
  const listing = await createListing(domus, asUser(sellerAgent), propertyId);
  if (status !== 'draft') await setStatus(domus, asUser(sellerAgent), listing.id, 'active');
  if (status === 'under_offer' || status === 'sold') await setStatus(domus, asUser(sellerAgent), listing.id, 'under_offer');
  if (status === 'sold') await setStatus(domus, asUser(sellerAgent), listing.id, 'sold');
  return listing.id;
}

async function openDeal(options: { agent?: boolean } = {}): Promise<DealView> {
  const listingId = await activeListing();
  const response = await call(domus, asUser(buyer), 'POST', '/deals', { listingId, ...(options.agent ? { buyerAgentUserId: buyerAgent.id } : {}) });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as DealView;
}

function offerBody(expectedVersion: number, overrides: Record<string, unknown> = {}) {
  return {
    expectedVersion,
    amount: { amountMinor: 60_000_000, currency: 'EUR' },
    conditions: { financing: true, inspection: true, closingDate: '2026-06-30', notes: 'Keys at the notary.' },
    expiresAt: new Date(domus.clock.now().getTime() + 7 * 86_400_000).toISOString(),
    ...overrides,
  };
}

async function offer(caller: Caller, deal: { id: string; version: number }, overrides: Record<string, unknown> = {}): Promise<DealView> {
  const response = await call(domus, caller, 'POST', `/deals/${deal.id}/offers`, offerBody(deal.version, overrides));
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as DealView;
}

async function act(caller: Caller, deal: { id: string; version: number }, offerId: string, action: 'accept' | 'reject' | 'withdraw', version = deal.version) {
  // Accepting needs a second factor within five minutes (the route's policy): pass it first.
  if (action === 'accept' && caller.headers.cookie) await stepUp(domus, caller);
  return call(domus, caller, 'POST', `/deals/${deal.id}/offers/${offerId}/${action}`, { expectedVersion: version });
}

async function events(dealId: string) {
  const response = await call(domus, asUser(buyer), 'GET', `/deals/${dealId}/events`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { items: { sequence: number; type: string; actorUserId: string | null; offerId: string | null; amount: { amountMinor: number } | null }[] }).items;
}

describe('the offer transition table', () => {
  const expected: Record<string, OfferStatus> = {
    'draft submit author': 'submitted',
    'submitted counter recipient': 'countered',
    'submitted accept recipient': 'accepted',
    'submitted reject recipient': 'rejected',
    'submitted withdraw author': 'withdrawn',
    'submitted expire clock': 'expired',
  };
  const actions: OfferAction[] = ['submit', 'counter', 'accept', 'reject', 'withdraw', 'expire'];
  const actors = [
    ['author', 'buyer'],
    ['recipient', 'seller'],
    ['clock', 'clock'],
  ] as const;
  it('allows exactly the listed (status, action, actor) triples and refuses everything else', () => {
    let allowed = 0;
    for (const status of offerStatuses) {
      for (const action of actions) {
        for (const [actor, actorSide] of actors) {
          const key = `${status} ${action} ${actor}`;
          const attempt = () => assertOfferTransition({ id: 'o', status, side: 'buyer' as Side }, action, actorSide);
          if (expected[key]) {
            expect(attempt(), key).toBe(expected[key]);
            allowed += 1;
          } else {
            expect(attempt, key).toThrow();
          }
        }
      }
    }
    expect(allowed).toBe(Object.keys(expected).length);
  });

  it('refuses a wrong actor with 403 OFFER_ACTION_FORBIDDEN and a final status with 409 INVALID_OFFER_TRANSITION', () => {
    expect(() => assertOfferTransition({ id: 'o', status: 'submitted', side: 'buyer' }, 'accept', 'buyer')).toThrow(expect.objectContaining({ code: 'OFFER_ACTION_FORBIDDEN', status: 403 }));
    expect(() => assertOfferTransition({ id: 'o', status: 'accepted', side: 'buyer' }, 'withdraw', 'buyer')).toThrow(expect.objectContaining({ code: 'INVALID_OFFER_TRANSITION', status: 409 }));
  });
});

describe('deals over HTTP', () => {
  it('runs offer, counter and accept with versions, an immutable history, and leaves the listing alone', async () => {
    const opened = await openDeal();
    expect(opened).toMatchObject({ version: 1, status: 'open', yourSide: 'buyer', offers: [] });
    const submitted = await offer(asUser(buyer), opened);
    expect(submitted.version).toBe(2);
    const first = submitted.offers[0];
    expect(first).toMatchObject({ number: 1, side: 'buyer', status: 'submitted' });
    const countered = await offer(asUser(sellerAgent), submitted, { amount: { amountMinor: 63_000_000, currency: 'EUR' } });
    expect(countered.version).toBe(3);
    expect(countered.yourSide).toBe('seller');
    expect(countered.offers.map((item) => [item.number, item.side, item.status])).toEqual([
      [1, 'buyer', 'countered'],
      [2, 'seller', 'submitted'],
    ]);
    const counter = countered.offers[1];
    expect(counter?.respondsTo).toBe(first?.id);
    const accepted = await act(asUser(buyer), countered, counter?.id as string, 'accept');
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'accepted', acceptedOfferId: counter?.id, version: 4 });
    expectProblem(await call(domus, asUser(buyer), 'POST', `/deals/${opened.id}/offers`, offerBody(4)), 409, 'DEAL_CLOSED');

    const history = await events(opened.id);
    expect(history.map((event) => event.type)).toEqual(['deal.opened', 'offer.submitted', 'offer.countered', 'offer.submitted', 'offer.accepted']);
    expect(history.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(history[3]).toMatchObject({ actorUserId: sellerAgent.id, amount: { amountMinor: 63_000_000 } });
    expect(history[4]).toMatchObject({ actorUserId: buyer.id, offerId: counter?.id });
    await expect(sql`UPDATE deal_events SET type = 'forged' WHERE deal_id = ${opened.id}`.execute(domus.platform.db)).rejects.toThrow(/append-only/);

    const listing = await call(domus, asUser(buyer), 'GET', `/listings/${(await dealListingId(opened.id))}`);
    expect(listing.json().status).toBe('active');
  });

  it.each([
    ['the buyer accepts its own offer', 'buyerAccepts', 403, 'OFFER_ACTION_FORBIDDEN'],
    ['the seller withdraws the buyer offer', 'sellerWithdraws', 403, 'OFFER_ACTION_FORBIDDEN'],
    ['the seller opens the bidding', 'sellerFirst', 403, 'OFFER_ACTION_FORBIDDEN'],
    ['a seller viewer accepts', 'viewerAccepts', 403, 'OFFER_ACTION_FORBIDDEN'],
    ['the buyer offers again while its offer is pending', 'buyerTwice', 409, 'OFFER_PENDING'],
    ['a rejected offer is accepted', 'acceptRejected', 409, 'INVALID_OFFER_TRANSITION'],
    ['a withdrawn offer is withdrawn again', 'withdrawTwice', 409, 'INVALID_OFFER_TRANSITION'],
    ['a countered (older) offer is accepted', 'acceptCountered', 409, 'INVALID_OFFER_TRANSITION'],
    ['an unknown offer is accepted', 'unknownOffer', 404, 'OFFER_NOT_FOUND'],
  ])('refuses when %s', async (_name, scenario, status, code) => {
    const deal = await openDeal();
    if (scenario === 'sellerFirst') {
      expectProblem(await call(domus, asUser(sellerAgent), 'POST', `/deals/${deal.id}/offers`, offerBody(1)), status, code);
      return;
    }
    const submitted = await offer(asUser(buyer), deal);
    const offerId = submitted.offers[0]?.id as string;
    let response;
    if (scenario === 'buyerAccepts') response = await act(asUser(buyer), submitted, offerId, 'accept');
    else if (scenario === 'sellerWithdraws') response = await act(asUser(sellerAgent), submitted, offerId, 'withdraw');
    else if (scenario === 'viewerAccepts') response = await act(asUser(sellerViewer), submitted, offerId, 'accept');
    else if (scenario === 'buyerTwice') response = await call(domus, asUser(buyer), 'POST', `/deals/${deal.id}/offers`, offerBody(submitted.version));
    else if (scenario === 'acceptRejected') {
      const rejected = await act(asUser(sellerAgent), submitted, offerId, 'reject');
      expect(rejected.statusCode, rejected.body).toBe(200);
      response = await act(asUser(sellerAgent), rejected.json() as DealView, offerId, 'accept');
    } else if (scenario === 'withdrawTwice') {
      const withdrawn = await act(asUser(buyer), submitted, offerId, 'withdraw');
      expect(withdrawn.statusCode, withdrawn.body).toBe(200);
      response = await act(asUser(buyer), withdrawn.json() as DealView, offerId, 'withdraw');
    } else if (scenario === 'acceptCountered') {
      const countered = await offer(asUser(sellerAgent), submitted);
      response = await act(asUser(sellerAgent), countered, offerId, 'accept');
    } else response = await act(asUser(sellerAgent), submitted, '0190a000-0000-7000-8000-000000000000', 'accept');
    expectProblem(response, status, code);
  });

  it('lets the buyer offer again after a rejection, and the buyer agent act for the buyer', async () => {
    const deal = await openDeal({ agent: true });
    const submitted = await offer(asUser(buyerAgent), deal);
    expect(submitted.yourSide).toBe('buyer');
    const rejected = await act(asUser(sellerOwner), submitted, submitted.offers[0]?.id as string, 'reject');
    expect(rejected.statusCode, rejected.body).toBe(200);
    const again = await offer(asUser(buyer), rejected.json() as DealView, { amount: { amountMinor: 62_000_000, currency: 'EUR' } });
    expect(again.offers.map((item) => item.status)).toEqual(['rejected', 'submitted']);
  });

  it('answers a stale expectedVersion with 409 VERSION_CONFLICT and writes nothing', async () => {
    const deal = await offer(asUser(buyer), await openDeal());
    const before = await events(deal.id);
    const stale = await call(domus, asUser(sellerAgent), 'POST', `/deals/${deal.id}/offers`, offerBody(deal.version - 1));
    expectProblem(stale, 409, 'VERSION_CONFLICT');
    expect(stale.json().currentVersion).toBe(deal.version);
    expectProblem(await act(asUser(sellerAgent), deal, deal.offers[0]?.id as string, 'accept', deal.version + 1), 409, 'VERSION_CONFLICT');
    expect(await events(deal.id)).toEqual(before);
  });

  it('lets exactly one of two simultaneous accepts win', async () => {
    const deal = await offer(asUser(buyer), await openDeal());
    const offerId = deal.offers[0]?.id as string;
    const responses = await Promise.all([act(asUser(sellerAgent), deal, offerId, 'accept'), act(asUser(sellerOwner), deal, offerId, 'accept')]);
    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 409]);
    expect((responses.find((response) => response.statusCode === 409)?.json() as { code: string }).code).toBe('VERSION_CONFLICT');
    expect((await events(deal.id)).filter((event) => event.type === 'offer.accepted')).toHaveLength(1);
  });

  it('lets the database refuse a second accepted offer even if the service were bypassed', async () => {
    const deal = await offer(asUser(sellerAgent), await offer(asUser(buyer), await openDeal()));
    await sql`UPDATE deal_offers SET status = 'accepted' WHERE id = ${deal.offers[0]?.id as string}`.execute(domus.platform.db);
    await expect(sql`UPDATE deal_offers SET status = 'accepted' WHERE id = ${deal.offers[1]?.id as string}`.execute(domus.platform.db)).rejects.toThrow();
  });

  it('expires offers by the clock: on read, and lazily inside a write', async () => {
    const hour = 3_600_000;
    const read = await offer(asUser(buyer), await openDeal(), { expiresAt: new Date(domus.clock.now().getTime() + hour).toISOString() });
    const written = await offer(asUser(buyer), await openDeal(), { expiresAt: new Date(domus.clock.now().getTime() + hour).toISOString() });
    domus.clock.advance(2 * hour);

    const fetched = await call(domus, asUser(sellerAgent), 'GET', `/deals/${read.id}`);
    expect(fetched.json().offers[0].status).toBe('expired');
    const history = await events(read.id);
    expect(history.at(-1)).toMatchObject({ type: 'offer.expired', actorUserId: null });

    expectProblem(await act(asUser(sellerAgent), written, written.offers[0]?.id as string, 'accept'), 409, 'OFFER_EXPIRED');
    const renewed = await offer(asUser(buyer), written);
    expect(renewed.offers.map((item) => item.status)).toEqual(['expired', 'submitted']);
    expect((await events(written.id)).map((event) => event.type)).toEqual(['deal.opened', 'offer.submitted', 'offer.expired', 'offer.submitted']);
  });

  it('replays an offer sent twice with the same Idempotency-Key', async () => {
    const deal = await openDeal();
    const headers = { 'idempotency-key': `offer-${deal.id}` };
    const first = await call(domus, asUser(buyer), 'POST', `/deals/${deal.id}/offers`, offerBody(1), headers);
    const second = await call(domus, asUser(buyer), 'POST', `/deals/${deal.id}/offers`, offerBody(1), headers);
    expect(first.statusCode, first.body).toBe(201);
    expect(second.statusCode, second.body).toBe(201);
    expect(second.headers['idempotency-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect((first.json() as DealView).offers).toHaveLength(1);
    expectProblem(await call(domus, asUser(buyer), 'POST', `/deals/${deal.id}/offers`, offerBody(1, { amount: { amountMinor: 1, currency: 'EUR' } }), headers), 422, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('opens deals only on active or under_offer listings, once per buyer, never by the seller side', async () => {
    expectProblem(await call(domus, asUser(buyer), 'POST', '/deals', { listingId: await activeListing('draft') }), 404, 'DEAL_LISTING_NOT_FOUND', 'listingId');
    expectProblem(await call(domus, asUser(buyer), 'POST', '/deals', { listingId: await activeListing('sold') }), 409, 'LISTING_NOT_OPEN_FOR_OFFERS', 'listingId');
    const underOffer = await call(domus, asUser(buyer), 'POST', '/deals', { listingId: await activeListing('under_offer') });
    expect(underOffer.statusCode, underOffer.body).toBe(201);
    const listingId = await activeListing();
    expectProblem(await call(domus, asUser(sellerAgent), 'POST', '/deals', { listingId }), 400, 'VALIDATION_FAILED', 'listingId');
    expectProblem(await call(domus, asUser(buyer), 'POST', '/deals', { listingId, buyerAgentUserId: '0190a000-0000-7000-8000-000000000000' }), 400, 'VALIDATION_FAILED', 'buyerAgentUserId');
    expectProblem(await call(domus, asUser(buyer), 'POST', '/deals', { listingId, buyerAgentUserId: buyer.id }), 400, 'VALIDATION_FAILED', 'buyerAgentUserId');
    expect((await call(domus, asUser(buyer), 'POST', '/deals', { listingId })).statusCode).toBe(201);
    expectProblem(await call(domus, asUser(buyer), 'POST', '/deals', { listingId }), 409, 'DEAL_ALREADY_OPEN');
    expectProblem(await call(domus, anonymous, 'POST', '/deals', { listingId }), 401, 'UNAUTHENTICATED');
  });

  it('lists the caller\'s deals on both sides, paginated, and nobody else\'s', async () => {
    const deal = await openDeal();
    const mine = async (caller: Caller) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const response = await call(domus, caller, 'GET', `/deals?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(response.statusCode, response.body).toBe(200);
        const page = response.json() as { items: DealView[]; nextCursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(2);
        ids.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    const buyerIds = await mine(asUser(buyer));
    expect(buyerIds).toContain(deal.id);
    expect(new Set(buyerIds).size).toBe(buyerIds.length);
    expect(await mine(asUser(sellerViewer))).toContain(deal.id);
    expect(await mine(asUser(stranger))).toEqual([]);
    expect(await mine(asUser(rivalOwner))).toEqual([]);
  });

  describe('non-participants get 404 on every route', () => {
    const outsiders: [string, () => Caller][] = [
      ['a stranger', () => asUser(stranger)],
      ['the owner of another organization', () => asUser(rivalOwner)],
      ["another organization's API key", () => asKey(rivalKey)],
      ["the seller organization's API key (deals are signed by people)", () => asKey(sellerKey)],
    ];
    it.each(outsiders)('%s', async (_name, caller) => {
      const deal = await offer(asUser(buyer), await openDeal());
      const offerId = deal.offers[0]?.id as string;
      const attempts = [
        call(domus, caller(), 'GET', `/deals/${deal.id}`),
        call(domus, caller(), 'GET', `/deals/${deal.id}/events`),
        call(domus, caller(), 'POST', `/deals/${deal.id}/offers`, offerBody(deal.version)),
        ...(['accept', 'reject', 'withdraw'] as const).map((action) => act(caller(), deal, offerId, action)),
      ];
      for (const response of await Promise.all(attempts)) {
        // API keys are refused by the gateway before any lookup: a deal is negotiated by people.
        if (caller().headers.authorization) expectProblem(response, 403, 'CREDENTIAL_NOT_ACCEPTED');
        else expectProblem(response, 404, 'DEAL_NOT_FOUND');
      }
      expect((await call(domus, asUser(buyer), 'GET', `/deals/${deal.id}`)).json().version).toBe(deal.version);
    });
  });

  it.each([
    ['POST', '/deals', { listingId: 'nope' }, 'listingId'],
    ['POST', '/deals', { listingId: '0190a000-0000-7000-8000-000000000000', extra: 1 }, 'extra'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), expectedVersion: undefined }, 'expectedVersion'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), expectedVersion: 0 }, 'expectedVersion'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), amount: { amountMinor: 1.5, currency: 'EUR' } }, 'amount.amountMinor'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), amount: { amountMinor: 0, currency: 'EUR' } }, 'amount.amountMinor'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), amount: { amountMinor: 100, currency: 'XXX' } }, 'amount.currency'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), amount: { amountMinor: 100, currency: 'USD' } }, 'amount.currency'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), conditions: { ...offerBodyStatic().conditions, closingDate: '2026-13-01' } }, 'conditions.closingDate'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), conditions: { ...offerBodyStatic().conditions, financing: 'yes' } }, 'conditions.financing'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), conditions: { ...offerBodyStatic().conditions, notes: 'x'.repeat(2001) } }, 'conditions.notes'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), expiresAt: 'tomorrow' }, 'expiresAt'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt'],
    ['POST', 'OFFERS', { ...offerBodyStatic(), price: 5 }, 'price'],
    ['POST', 'ACCEPT_BAD_ID', { expectedVersion: 2 }, 'params.offerId'],
    ['POST', 'ACCEPT', { expectedVersion: 'two' }, 'expectedVersion'],
    ['GET', '/deals?limit=0', undefined, 'query.limit'],
    ['GET', '/deals?cursor=forged', undefined, 'query.cursor'],
    ['GET', '/deals/not-a-uuid', undefined, 'params.id'],
  ] as const)('bad input: %s %s naming %s -> 400', async (method, target, body, field) => {
    const deal = await offer(asUser(buyer), await openDeal());
    const url = {
      OFFERS: `/deals/${deal.id}/offers`,
      ACCEPT: `/deals/${deal.id}/offers/${deal.offers[0]?.id}/accept`,
      ACCEPT_BAD_ID: `/deals/${deal.id}/offers/123/accept`,
    }[target as string] ?? target;
    const caller = asUser(target === 'ACCEPT' || target === 'ACCEPT_BAD_ID' ? sellerAgent : buyer);
    const response = await call(domus, caller, method, url, body === undefined ? undefined : withLiveVersion(body, deal.version, target));
    expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, response.body).toBeLessThan(500);
    const problem = response.json() as { errors?: { path: string }[] };
    expect(problem.errors?.map((error) => error.path), response.body).toContain(field);
    expect((await events(deal.id)).length).toBe(2);
  });
});

/** A valid offer body for the bad-input table (the live version is filled in per case). */
function offerBodyStatic() {
  return {
    expectedVersion: 2 as number | undefined,
    amount: { amountMinor: 60_000_000, currency: 'EUR' },
    conditions: { financing: true, inspection: true, closingDate: '2026-06-30', notes: '' },
    expiresAt: '2099-01-01T00:00:00Z',
  };
}

function withLiveVersion(payload: unknown, version: number, target: string): unknown {
  if (target !== 'OFFERS') return payload;
  const body = payload as Record<string, unknown>;
  return body.expectedVersion === 2 ? { ...body, expectedVersion: version } : body;
}

async function dealListingId(dealId: string): Promise<string> {
  const response = await call(domus, asUser(buyer), 'GET', `/deals/${dealId}`);
  return (response.json() as { listingId: string }).listingId;
}
