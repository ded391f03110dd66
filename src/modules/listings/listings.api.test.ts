import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, createTestDomus, signUp, type SignedInUser, type TestDomus } from '../../../test/support/harness';
import type { ListingStatus } from './listings.import-types';
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
  importRecord,
  multipart,
  pngImage,
  setStatus,
  snapshot,
  type Caller,
} from './listings.test-support';
import { allowedTransitions } from './listings.workflow';

let domus: TestDomus;
let owner: SignedInUser;
let orgId: string;
let me: Caller;

beforeAll(async () => {
  domus = await createTestDomus();
  owner = await signUp(domus, 'Agency Owner');
  orgId = await createOrganization(domus, owner, 'Harbour Homes');
  me = asUser(owner);
});
afterAll(async () => {
  await domus?.close();
});

describe('properties', () => {
  it('creates, reads, patches and lists an organization’s properties', async () => {
    const property = await createProperty(domus, me, orgId, { country: 'nl', postalCode: ' 1015cj ', bathrooms: 1.75 });
    const read = await call(domus, me, 'GET', `/properties/${property.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ country: 'NL', postalCode: '1015CJ', bathrooms: 1.8, latitude: 52.3731, features: ['balcony', 'canal view'] });

    const patched = await call(domus, me, 'PATCH', `/properties/${property.id}`, { bedrooms: 3, energyLabel: null });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ bedrooms: 3, energyLabel: null, address: 'Keizersgracht 123' });

    const unpaired = await call(domus, me, 'PATCH', `/properties/${property.id}`, { latitude: null });
    expectProblem(unpaired, 400, 'VALIDATION_FAILED', 'latitude');

    await createProperty(domus, me, orgId, { address: 'Prinsengracht 2' });
    await createProperty(domus, me, orgId, { address: 'Herengracht 3' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(domus, me, 'GET', `/properties?organizationId=${orgId}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.statusCode, page.body).toBe(200);
      seen.push(...page.json().items.map((item: { id: string }) => item.id));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });

  it('moves the listing’s search copies with the property (same transaction, by trigger)', async () => {
    const property = await createProperty(domus, me, orgId);
    const listing = await createListing(domus, me, property.id, { title: 'Moving flat' });
    await setStatus(domus, me, listing.id, 'active');
    const before = await call(domus, anonymous, 'GET', '/listings?bbox=5.0,51.9,5.2,52.2&q=Utrecht');
    expect(before.json().items.map((item: { id: string }) => item.id)).not.toContain(listing.id);
    const moved = await call(domus, me, 'PATCH', `/properties/${property.id}`, { city: 'Utrecht', latitude: 52.09, longitude: 5.12, bedrooms: 4 });
    expect(moved.statusCode).toBe(200);
    const after = await call(domus, anonymous, 'GET', '/listings?bbox=5.0,51.9,5.2,52.2&q=Utrecht&minBedrooms=4');
    expect(after.json().items.map((item: { id: string }) => item.id)).toContain(listing.id);
    expect(after.json().items[0].property.city).toBe('Utrecht');
  });
});

describe('listings: create, edit, price history, versions', () => {
  it('creates a draft, records every price change and rejects stale versions with 409', async () => {
    const property = await createProperty(domus, me, orgId);
    const listing = await createListing(domus, me, property.id);
    expect(listing).toMatchObject({ status: 'draft', version: 1, publishedAt: null, isSynthetic: false, photos: [] });

    const priceCut = await call(domus, me, 'PATCH', `/listings/${listing.id}`, { askingPrice: { amountMinor: 62_500_000, currency: 'EUR' }, expectedVersion: 1 });
    expect(priceCut.statusCode, priceCut.body).toBe(200);
    expect(priceCut.json()).toMatchObject({ version: 2, askingPrice: { amountMinor: 62_500_000 } });

    domus.clock.advance(60_000);
    const titleOnly = await call(domus, me, 'PATCH', `/listings/${listing.id}`, { title: 'Renovated canal apartment' });
    expect(titleOnly.json().version).toBe(3);
    const samePrice = await call(domus, me, 'PATCH', `/listings/${listing.id}`, { askingPrice: { amountMinor: 62_500_000, currency: 'EUR' } });
    expect(samePrice.json().version).toBe(3);
    domus.clock.advance(60_000);
    await call(domus, me, 'PATCH', `/listings/${listing.id}`, { askingPrice: { amountMinor: 60_000_000, currency: 'EUR' } });

    const history = await call(domus, me, 'GET', `/listings/${listing.id}/price-history`);
    expect(history.json().items.map((item: { price: { amountMinor: number } }) => item.price.amountMinor)).toEqual([65_000_000, 62_500_000, 60_000_000]);
    expect(history.json().items[2].changedAt > history.json().items[1].changedAt).toBe(true);

    const before = await snapshot(domus);
    const stale = await call(domus, me, 'PATCH', `/listings/${listing.id}`, { title: 'Lost update', expectedVersion: 2 });
    expectProblem(stale, 409, 'VERSION_CONFLICT', 'expectedVersion');
    expect(stale.json().currentVersion).toBe(4);
    const staleStatus = await call(domus, me, 'POST', `/listings/${listing.id}/status`, { status: 'active', expectedVersion: 1 });
    expectProblem(staleStatus, 409, 'VERSION_CONFLICT', 'expectedVersion');
    expect(await snapshot(domus)).toEqual(before);
    expect((await call(domus, me, 'GET', `/listings/${listing.id}`)).json().title).toBe('Renovated canal apartment');
  });

  it('keeps a closed listing as a record', async () => {
    const property = await createProperty(domus, me, orgId);
    const listing = await createListing(domus, me, property.id);
    for (const status of ['active', 'under_offer']) await setStatus(domus, me, listing.id, status);
    const sold = await call(domus, me, 'POST', `/listings/${listing.id}/status`, { status: 'sold', closingPrice: { amountMinor: 64_000_000, currency: 'EUR' } });
    expect(sold.json()).toMatchObject({ status: 'sold', closingPrice: { amountMinor: 64_000_000, currency: 'EUR' } });
    expectProblem(await call(domus, me, 'PATCH', `/listings/${listing.id}`, { title: 'Changed' }), 409, 'LISTING_CLOSED');
  });

  it('honours Idempotency-Key on POST /properties and POST /listings', async () => {
    const body = { ...(await import('./listings.test-support')).amsterdamProperty(orgId), address: 'Idempotent 1' };
    const key = { 'idempotency-key': 'create-property-0001' };
    const before = await snapshot(domus);
    const first = await call(domus, me, 'POST', '/properties', body, key);
    const replay = await call(domus, me, 'POST', '/properties', { ...body }, key);
    expect(first.statusCode).toBe(201);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotency-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect((await snapshot(domus)).properties).toBe(before.properties + 1);

    const reused = await call(domus, me, 'POST', '/properties', { ...body, address: 'Something else' }, key);
    expectProblem(reused, 422, 'IDEMPOTENCY_KEY_REUSED', 'headers.idempotency-key');

    const [a, b] = await Promise.all([
      call(domus, me, 'POST', '/listings', { propertyId: first.json().id, kind: 'rent', title: 'Twice', description: '', askingPrice: { amountMinor: 250_000, currency: 'EUR' } }, { 'idempotency-key': 'listing-race' }),
      call(domus, me, 'POST', '/listings', { propertyId: first.json().id, kind: 'rent', title: 'Twice', description: '', askingPrice: { amountMinor: 250_000, currency: 'EUR' } }, { 'idempotency-key': 'listing-race' }),
    ]);
    expect(a.json().id).toBe(b.json().id);
    const after = await snapshot(domus);
    expect(after.listings).toBe(before.listings + 1);
    expect(after.listing_price_history).toBe(before.listing_price_history + 1);

    // Keys are per caller: another user's identical key is a different request.
    const colleague = await signUp(domus, 'Colleague');
    await addMember(domus, owner, orgId, colleague.email, 'agent');
    const theirs = await call(domus, asUser(colleague), 'POST', '/properties', body, key);
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json().id).not.toBe(first.json().id);
  });
});

describe('status workflow', () => {
  const statuses: ListingStatus[] = ['draft', 'active', 'under_offer', 'sold', 'rented', 'withdrawn'];
  const cases = (['sale', 'rent'] as const).flatMap((kind) =>
    statuses.flatMap((from) =>
      statuses
        .filter((to) => !(from === 'sold' && kind === 'rent') && !(from === 'rented' && kind === 'sale'))
        .map((to) => {
          const allowed = allowedTransitions[from].includes(to) && !(to === 'sold' && kind === 'rent') && !(to === 'rented' && kind === 'sale');
          return { kind, from, to, allowed };
        }),
    ),
  );

  it('allows exactly the documented transitions, for both kinds', async () => {
    expect(cases.filter((item) => item.allowed).map((item) => `${item.kind}:${item.from}->${item.to}`).sort()).toEqual(
      [
        'sale:draft->active', 'sale:draft->withdrawn', 'sale:active->under_offer', 'sale:active->withdrawn', 'sale:under_offer->active',
        'sale:under_offer->withdrawn', 'sale:under_offer->sold', 'sale:withdrawn->active',
        'rent:draft->active', 'rent:draft->withdrawn', 'rent:active->under_offer', 'rent:active->withdrawn', 'rent:under_offer->active',
        'rent:under_offer->withdrawn', 'rent:under_offer->rented', 'rent:withdrawn->active',
      ].sort(),
    );
    const published: unknown[] = [];
    const unsubscribe = domus.platform.bus.subscribe('listing.published', (payload) => void published.push(payload));
    const imported = await domus.modules.listings.service.bulkImport(
      orgId,
      cases.map((item, index) =>
        importRecord({
          listing: {
            kind: item.kind,
            status: item.from,
            askingPrice: { amountMinor: 100_000 + index, currency: 'EUR' },
            ...(item.from === 'draft' ? { publishedAt: undefined } : { publishedAt: new Date('2026-01-15T08:00:00.000Z') }),
            ...(['sold', 'rented', 'withdrawn'].includes(item.from) ? { closedAt: new Date('2026-02-15T08:00:00.000Z') } : {}),
          },
          externalRef: `transition:${index}`,
        }),
      ),
    );
    expect(imported.created).toBe(cases.length);
    for (const [index, item] of cases.entries()) {
      const id = imported.listingIds[index] as string;
      const response = await call(domus, me, 'POST', `/listings/${id}/status`, { status: item.to });
      const label = `${item.kind}: ${item.from} -> ${item.to}`;
      if (item.allowed) {
        expect(response.statusCode, `${label} ${response.body}`).toBe(200);
        const listing = response.json();
        expect(listing.status, label).toBe(item.to);
        expect(listing.version, label).toBe(2);
        if (item.to === 'active') expect(listing.publishedAt, label).toBe(item.from === 'draft' ? domus.clock.now().toISOString() : '2026-01-15T08:00:00.000Z');
        expect(listing.closedAt !== null, label).toBe(['sold', 'rented', 'withdrawn'].includes(item.to));
      } else {
        expectProblem(response, 409, 'INVALID_STATUS_TRANSITION', 'status');
        expect(response.json(), label).toMatchObject({ from: item.from, to: item.to });
        expect(response.json().detail, label).toContain(`from ${item.from} to ${item.to}`);
        expect((await call(domus, me, 'GET', `/listings/${id}`)).json(), label).toMatchObject({ status: item.from, version: 1 });
      }
    }
    unsubscribe();
    expect(published).toHaveLength(cases.filter((item) => item.allowed && item.to === 'active').length);
    expect(published[0]).toMatchObject({ organizationId: orgId, at: domus.clock.now().toISOString() });
  });
});

describe('visibility and tenant isolation', () => {
  let stranger: SignedInUser;
  let strangerKey: string;
  let property: { id: string };
  let draft: { id: string };
  let live: { id: string };
  let photoId: string;
  let savedSearchId: string;

  beforeAll(async () => {
    property = await createProperty(domus, me, orgId);
    draft = await createListing(domus, me, property.id, { title: 'Secret draft' });
    live = await createListing(domus, me, property.id, { title: 'Public listing' });
    await setStatus(domus, me, live.id, 'active');
    const upload = multipart('file', 'front.png', 'image/png', await pngImage());
    const photo = await call(domus, me, 'POST', `/listings/${draft.id}/photos`, upload.payload, upload.headers);
    expect(photo.statusCode, photo.body).toBe(201);
    photoId = photo.json().id;
    const saved = await call(domus, me, 'POST', '/saved-searches', { name: 'Canal flats', query: { q: 'canal', kind: 'sale' } });
    expect(saved.statusCode, saved.body).toBe(201);
    savedSearchId = saved.json().id;
    stranger = await signUp(domus, 'Rival Agent');
    const rivalOrg = await createOrganization(domus, stranger, 'Rival Realty');
    strangerKey = await createApiKey(domus, stranger, rivalOrg, ['listings:read', 'listings:write']);
  });

  it('answers 404 — never 403 — to another organization’s member and API key on every route, and changes nothing', async () => {
    const upload = multipart('file', 'x.png', 'image/png', await pngImage());
    const routes: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: unknown; headers?: Record<string, string> }[] = [
      { method: 'GET', url: `/properties/${property.id}` },
      { method: 'PATCH', url: `/properties/${property.id}`, payload: { city: 'Hijacked' } },
      { method: 'GET', url: `/properties?organizationId=${orgId}` },
      { method: 'POST', url: '/properties', payload: { organizationId: orgId, address: 'x', city: 'x', country: 'NL', propertyType: 'house' } },
      { method: 'POST', url: '/listings', payload: { propertyId: property.id, kind: 'sale', title: 'x', description: '', askingPrice: { amountMinor: 1, currency: 'EUR' } } },
      { method: 'GET', url: `/listings/${draft.id}` },
      { method: 'PATCH', url: `/listings/${draft.id}`, payload: { title: 'Hijacked' } },
      { method: 'PATCH', url: `/listings/${live.id}`, payload: { title: 'Hijacked' } },
      { method: 'POST', url: `/listings/${draft.id}/status`, payload: { status: 'active' } },
      { method: 'POST', url: `/listings/${live.id}/status`, payload: { status: 'withdrawn' } },
      { method: 'POST', url: `/listings/${draft.id}/photos`, payload: upload.payload, headers: upload.headers },
      { method: 'POST', url: `/listings/${live.id}/photos`, payload: upload.payload, headers: upload.headers },
      { method: 'DELETE', url: `/listings/${draft.id}/photos/${photoId}` },
      { method: 'GET', url: `/photos/${photoId}/thumb` },
      { method: 'GET', url: `/listings/${draft.id}/price-history` },
      { method: 'GET', url: `/organizations/${orgId}/listings` },
      { method: 'GET', url: `/saved-searches/${savedSearchId}` },
      { method: 'DELETE', url: `/saved-searches/${savedSearchId}` },
    ];
    const before = await snapshot(domus);
    for (const caller of [asUser(stranger), asKey(strangerKey)]) {
      for (const route of routes) {
        const response = await call(domus, caller, route.method, route.url, route.payload, route.headers);
        // Saved searches are people's own: an API key is refused as a credential there (403
        // CREDENTIAL_NOT_ACCEPTED), the same answer for every id, so nothing is revealed either.
        const peopleOnly = route.url.startsWith('/saved-searches') && !caller.headers.cookie;
        expect(response.statusCode, `${route.method} ${route.url} as ${caller.headers.cookie ? 'member' : 'API key'}: ${response.body}`).toBe(peopleOnly ? 403 : 404);
        expect(String(response.headers['content-type'])).toContain('application/problem+json');
      }
    }
    expect(await snapshot(domus)).toEqual(before);
    const draftNow = await call(domus, me, 'GET', `/listings/${draft.id}`);
    expect(draftNow.json()).toMatchObject({ title: 'Secret draft', status: 'draft', version: 1 });
    expect(draftNow.json().photos).toHaveLength(1);
    expect((await call(domus, me, 'GET', `/saved-searches/${savedSearchId}`)).statusCode).toBe(200);
  });

  it('shows drafts and withdrawn listings only to the organization; anyone sees public ones', async () => {
    expect((await call(domus, anonymous, 'GET', `/listings/${draft.id}`)).statusCode).toBe(404);
    expect((await call(domus, anonymous, 'GET', `/photos/${photoId}/thumb`)).statusCode).toBe(404);
    expect((await call(domus, anonymous, 'GET', `/listings/${live.id}`)).statusCode).toBe(200);
    expect((await call(domus, anonymous, 'GET', `/listings/${live.id}/price-history`)).statusCode).toBe(200);

    const viewer = await signUp(domus, 'Viewer');
    await addMember(domus, owner, orgId, viewer.email, 'viewer');
    expect((await call(domus, asUser(viewer), 'GET', `/listings/${draft.id}`)).statusCode).toBe(200);
    expectProblem(await call(domus, asUser(viewer), 'PATCH', `/listings/${draft.id}`, { title: 'Viewer edit' }), 403, 'INSUFFICIENT_ROLE');

    const readKey = await createApiKey(domus, owner, orgId, ['listings:read']);
    expect((await call(domus, asKey(readKey), 'GET', `/listings/${draft.id}`)).statusCode).toBe(200);
    expect((await call(domus, asKey(readKey), 'GET', `/organizations/${orgId}/listings?status=draft`)).statusCode).toBe(200);
    expectProblem(await call(domus, asKey(readKey), 'PATCH', `/listings/${draft.id}`, { title: 'Key edit' }), 403, 'INSUFFICIENT_SCOPE');
    const writeKey = await createApiKey(domus, owner, orgId, ['listings:write']);
    expect((await call(domus, asKey(writeKey), 'GET', `/listings/${draft.id}`)).statusCode).toBe(404);
    expectProblem(await call(domus, anonymous, 'PATCH', `/listings/${live.id}`, { title: 'x' }), 401, 'UNAUTHENTICATED');

    await setStatus(domus, me, live.id, 'withdrawn');
    expect((await call(domus, anonymous, 'GET', `/listings/${live.id}`)).statusCode).toBe(404);
    expect((await call(domus, me, 'GET', `/listings/${live.id}`)).json().closedAt).not.toBeNull();
    await setStatus(domus, me, live.id, 'active');
    expect((await call(domus, anonymous, 'GET', `/listings/${live.id}`)).json()).toMatchObject({ status: 'active', closedAt: null });
  });

  it('pages the workspace through every status and refuses a cursor from another list', async () => {
    const seen: { id: string; status: string }[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(domus, me, 'GET', `/organizations/${orgId}/listings?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.statusCode, page.body).toBe(200);
      seen.push(...page.json().items);
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(new Set(seen.map((item) => item.id)).size).toBe(seen.length);
    expect(new Set(seen.map((item) => item.status))).toEqual(new Set(['draft', 'active', 'under_offer', 'sold', 'rented', 'withdrawn']));

    const drafts = await call(domus, me, 'GET', `/organizations/${orgId}/listings?status=draft&limit=2`);
    expect(drafts.json().items.every((item: { status: string }) => item.status === 'draft')).toBe(true);
    const foreign = await call(domus, me, 'GET', `/organizations/${orgId}/listings?status=active&cursor=${encodeURIComponent(drafts.json().nextCursor)}`);
    expectProblem(foreign, 400, 'INVALID_CURSOR', 'query.cursor');
  });

  it('keeps saved searches private to their owner', async () => {
    const list = await call(domus, me, 'GET', '/saved-searches');
    expect(list.json().items.map((item: { id: string }) => item.id)).toContain(savedSearchId);
    expect((await call(domus, asUser(stranger), 'GET', '/saved-searches')).json().items).toEqual([]);
    expectProblem(await call(domus, anonymous, 'GET', '/saved-searches'), 401, 'UNAUTHENTICATED');
    expect((await call(domus, me, 'DELETE', `/saved-searches/${savedSearchId}`)).statusCode).toBe(204);
    expect((await call(domus, me, 'GET', `/saved-searches/${savedSearchId}`)).statusCode).toBe(404);
  });
});

describe('identical photos share their stored files', () => {
  it('stores the renditions once, serves them for both listings, and deletes them with the last photo', async () => {
    const property = await createProperty(domus, me, orgId);
    const first = await createListing(domus, me, property.id, { title: 'Shared photo one' });
    const second = await createListing(domus, me, property.id, { title: 'Shared photo two' });
    const bytes = await pngImage(321, 207);
    const before = await snapshot(domus);
    const upload = multipart('file', 'same.png', 'image/png', bytes);
    const a = await call(domus, me, 'POST', `/listings/${first.id}/photos`, upload.payload, upload.headers);
    const b = await call(domus, me, 'POST', `/listings/${second.id}/photos`, upload.payload, upload.headers);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    const afterUploads = await snapshot(domus);
    expect(afterUploads.listing_photos - before.listing_photos).toBe(2);
    expect(afterUploads.files - before.files).toBe(3);

    expect((await call(domus, me, 'DELETE', `/listings/${first.id}/photos/${a.json().id}`)).statusCode).toBe(204);
    expect((await snapshot(domus)).files - before.files).toBe(3);
    const stillServed = await call(domus, me, 'GET', `/photos/${b.json().id}/thumb`);
    expect(stillServed.statusCode).toBe(200);
    expect(stillServed.rawPayload.length).toBeGreaterThan(0);

    expect((await call(domus, me, 'DELETE', `/listings/${second.id}/photos/${b.json().id}`)).statusCode).toBe(204);
    expect((await snapshot(domus)).files - before.files).toBe(0);
  });
});
