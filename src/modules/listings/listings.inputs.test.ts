import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, createTestDomus, signUp, type TestDomus } from '../../../test/support/harness';
import { maxPhotosPerListing } from './listings.images';
import {
  amsterdamProperty,
  anonymous,
  asUser,
  call,
  createListing,
  createProperty,
  expectProblem,
  multipart,
  pngImage,
  setStatus,
  snapshot,
  type Caller,
} from './listings.test-support';

const uploadLimit = 100_000;
let domus: TestDomus;
let orgId: string;
let me: Caller;
let propertyId: string;
let draftId: string;
let activeId: string;
let cursor: string;

beforeAll(async () => {
  domus = await createTestDomus({ config: { UPLOAD_LIMIT_BYTES: String(uploadLimit) } });
  const owner = await signUp(domus);
  orgId = await createOrganization(domus, owner);
  me = asUser(owner);
  propertyId = (await createProperty(domus, me, orgId)).id;
  draftId = (await createListing(domus, me, propertyId)).id;
  activeId = (await createListing(domus, me, propertyId)).id;
  await setStatus(domus, me, activeId, 'active');
  const other = (await createListing(domus, me, propertyId)).id;
  await setStatus(domus, me, other, 'active');
  const page = await call(domus, anonymous, 'GET', '/listings?limit=1');
  cursor = page.json().nextCursor;
  expect(cursor).toEqual(expect.any(String));
});
afterAll(async () => {
  await domus?.close();
});

/** A PNG whose header claims width × height over a tiny (invalid) body: only the header is read. */
function pngHeaderClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const name = Buffer.from(type);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length, 0);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([name, data])) >>> 0, 0);
    return Buffer.concat([length, name, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk('IEND', Buffer.alloc(0))]);
}

describe('bad inputs', () => {
  const property = () => amsterdamProperty(orgId);
  const listing = () => ({ propertyId, kind: 'sale', title: 'Flat', description: '', askingPrice: { amountMinor: 100, currency: 'EUR' } });
  const upload = (content: Buffer, filename = 'photo.jpg', contentType = 'image/jpeg', field = 'file') => multipart(field, filename, contentType, content);
  type Case = {
    name: string;
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    url: () => string;
    body?: () => unknown | Promise<unknown>;
    raw?: () => Promise<{ payload: Buffer | string; headers: Record<string, string> }>;
    headers?: Record<string, string>;
    status: number;
    code: string;
    path: string | null;
  };
  const post = (url: string, body: () => unknown) => ({ method: 'POST' as const, url: () => url, body });
  const search = (query: string) => ({ method: 'GET' as const, url: () => `/listings?${query}` });
  const cases: Case[] = [
    { name: 'malformed JSON', method: 'POST', url: () => '/properties', raw: async () => ({ payload: '{"organizationId": ', headers: { 'content-type': 'application/json' } }), status: 400, code: 'MALFORMED_JSON', path: null },
    { name: 'wrong type', ...post('/properties', () => ({ ...property(), bedrooms: 'three' })), status: 400, code: 'VALIDATION_FAILED', path: 'bedrooms' },
    { name: 'unknown field', ...post('/properties', () => ({ ...property(), colour: 'red' })), status: 400, code: 'VALIDATION_FAILED', path: 'colour' },
    { name: 'latitude out of range', ...post('/properties', () => ({ ...property(), latitude: 91 })), status: 400, code: 'VALIDATION_FAILED', path: 'latitude' },
    { name: 'latitude without longitude', ...post('/properties', () => ({ ...property(), longitude: undefined })), status: 400, code: 'VALIDATION_FAILED', path: 'longitude' },
    { name: 'unknown property type', ...post('/properties', () => ({ ...property(), propertyType: 'castle' })), status: 400, code: 'VALIDATION_FAILED', path: 'propertyType' },
    { name: 'country name instead of code', ...post('/properties', () => ({ ...property(), country: 'Netherlands' })), status: 400, code: 'VALIDATION_FAILED', path: 'country' },
    { name: 'renovated before built', ...post('/properties', () => ({ ...property(), yearBuilt: 1990, yearRenovated: 1980 })), status: 400, code: 'VALIDATION_FAILED', path: 'yearRenovated' },
    { name: 'bad Idempotency-Key', ...post('/properties', () => property()), headers: { 'idempotency-key': 'has spaces in it' }, status: 400, code: 'VALIDATION_FAILED', path: 'headers.idempotency-key' },
    { name: 'fractional minor units', ...post('/listings', () => ({ ...listing(), askingPrice: { amountMinor: 1.5, currency: 'EUR' } })), status: 400, code: 'VALIDATION_FAILED', path: 'askingPrice.amountMinor' },
    { name: 'negative price', ...post('/listings', () => ({ ...listing(), askingPrice: { amountMinor: -1, currency: 'EUR' } })), status: 400, code: 'VALIDATION_FAILED', path: 'askingPrice.amountMinor' },
    { name: 'unknown currency', ...post('/listings', () => ({ ...listing(), askingPrice: { amountMinor: 1, currency: 'XYZ' } })), status: 400, code: 'VALIDATION_FAILED', path: 'askingPrice.currency' },
    { name: 'bad kind', ...post('/listings', () => ({ ...listing(), kind: 'lease' })), status: 400, code: 'VALIDATION_FAILED', path: 'kind' },
    { name: 'blank title', ...post('/listings', () => ({ ...listing(), title: '   ' })), status: 400, code: 'VALIDATION_FAILED', path: 'title' },
    { name: 'property id that is not a UUID', ...post('/listings', () => ({ ...listing(), propertyId: '42' })), status: 400, code: 'VALIDATION_FAILED', path: 'propertyId' },
    { name: 'listing id that is not a UUID', method: 'GET', url: () => '/listings/not-a-uuid', status: 400, code: 'VALIDATION_FAILED', path: 'params.id' },
    { name: 'photo size that does not exist', method: 'GET', url: () => `/photos/${draftId}/huge`, status: 400, code: 'VALIDATION_FAILED', path: 'params.size' },
    { name: 'stale expectedVersion', method: 'PATCH', url: () => `/listings/${draftId}`, body: () => ({ title: 'New', expectedVersion: 99 }), status: 409, code: 'VERSION_CONFLICT', path: 'expectedVersion' },
    { name: 'zero expectedVersion', method: 'PATCH', url: () => `/listings/${draftId}`, body: () => ({ expectedVersion: 0 }), status: 400, code: 'VALIDATION_FAILED', path: 'expectedVersion' },
    { name: 'invalid transition', ...post('/', () => ({ status: 'sold' })), url: () => `/listings/${draftId}/status`, status: 409, code: 'INVALID_STATUS_TRANSITION', path: 'status' },
    { name: 'unknown status', ...post('/', () => ({ status: 'archived' })), url: () => `/listings/${draftId}/status`, status: 400, code: 'VALIDATION_FAILED', path: 'status' },
    { name: 'closing price when not closing', ...post('/', () => ({ status: 'withdrawn', closingPrice: { amountMinor: 1, currency: 'EUR' } })), url: () => `/listings/${activeId}/status`, status: 400, code: 'VALIDATION_FAILED', path: 'closingPrice' },
    { name: 'bbox with three numbers', ...search('bbox=4.8,52.3,4.9'), status: 400, code: 'VALIDATION_FAILED', path: 'query.bbox' },
    { name: 'bbox with min > max', ...search('bbox=5.0,52.3,4.9,52.4'), status: 400, code: 'VALIDATION_FAILED', path: 'query.bbox' },
    { name: 'bbox out of range', ...search('bbox=-200,0,10,10'), status: 400, code: 'VALIDATION_FAILED', path: 'query.bbox' },
    { name: 'bbox with words', ...search('bbox=west,south,east,north'), status: 400, code: 'VALIDATION_FAILED', path: 'query.bbox' },
    { name: 'near out of range', ...search('near=95,4'), status: 400, code: 'VALIDATION_FAILED', path: 'query.near' },
    { name: 'radius without near', ...search('radiusKm=5'), status: 400, code: 'VALIDATION_FAILED', path: 'query.radiusKm' },
    { name: 'radius too large', ...search('near=52,4&radiusKm=5000'), status: 400, code: 'VALIDATION_FAILED', path: 'query.radiusKm' },
    { name: 'minPrice > maxPrice', ...search('minPrice=500&maxPrice=100'), status: 400, code: 'VALIDATION_FAILED', path: 'query.minPrice' },
    { name: 'minArea > maxArea', ...search('minArea=90&maxArea=60'), status: 400, code: 'VALIDATION_FAILED', path: 'query.minArea' },
    { name: 'negative price filter', ...search('minPrice=-5'), status: 400, code: 'VALIDATION_FAILED', path: 'query.minPrice' },
    { name: 'decimal price filter', ...search('maxPrice=10.5'), status: 400, code: 'VALIDATION_FAILED', path: 'query.maxPrice' },
    { name: 'limit 0', ...search('limit=0'), status: 400, code: 'VALIDATION_FAILED', path: 'query.limit' },
    { name: 'limit 101', ...search('limit=101'), status: 400, code: 'VALIDATION_FAILED', path: 'query.limit' },
    { name: 'limit not a number', ...search('limit=ten'), status: 400, code: 'VALIDATION_FAILED', path: 'query.limit' },
    { name: 'bad kind filter', ...search('kind=lease'), status: 400, code: 'VALIDATION_FAILED', path: 'query.kind' },
    { name: 'bad property type in list', ...search('propertyType=house,castle'), status: 400, code: 'VALIDATION_FAILED', path: 'query.propertyType' },
    { name: 'draft status in public search', ...search('status=draft'), status: 400, code: 'VALIDATION_FAILED', path: 'query.status' },
    { name: 'bad energy label', ...search('energyLabel=Z'), status: 400, code: 'VALIDATION_FAILED', path: 'query.energyLabel' },
    { name: 'bad sort', ...search('sort=cheapest'), status: 400, code: 'VALIDATION_FAILED', path: 'query.sort' },
    { name: 'relevance without q', ...search('sort=relevance'), status: 400, code: 'VALIDATION_FAILED', path: 'query.sort' },
    { name: 'distance without near', ...search('sort=distance'), status: 400, code: 'VALIDATION_FAILED', path: 'query.sort' },
    { name: 'repeated parameter', ...search('kind=sale&kind=rent'), status: 400, code: 'VALIDATION_FAILED', path: 'query.kind' },
    { name: 'unknown parameter', ...search('colour=red'), status: 400, code: 'VALIDATION_FAILED', path: 'query.colour' },
    { name: 'forged cursor signature', method: 'GET', url: () => `/listings?limit=1&cursor=${encodeURIComponent(`${cursor.split('.')[0]}.${'A'.repeat(43)}`)}`, status: 400, code: 'INVALID_CURSOR', path: 'query.cursor' },
    {
      name: 'cursor with a tampered position',
      method: 'GET',
      url: () => {
        const [body, signature] = cursor.split('.') as [string, string];
        const position = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
        const forged = Buffer.from(JSON.stringify({ ...position, k: '2000-01-01T00:00:00.000Z' })).toString('base64url');
        return `/listings?limit=1&cursor=${encodeURIComponent(`${forged}.${signature}`)}`;
      },
      status: 400,
      code: 'INVALID_CURSOR',
      path: 'query.cursor',
    },
    { name: 'garbled cursor', ...search('limit=1&cursor=%25%25not-a-cursor'), status: 400, code: 'INVALID_CURSOR', path: 'query.cursor' },
    { name: 'saved search with a bad bbox', ...post('/saved-searches', () => ({ name: 'x', query: { bbox: '1,2' } })), status: 400, code: 'VALIDATION_FAILED', path: 'query.bbox' },
    { name: 'saved search with an unknown parameter', ...post('/saved-searches', () => ({ name: 'x', query: { colour: 'red' } })), status: 400, code: 'VALIDATION_FAILED', path: 'query.colour' },
    { name: 'saved search without a name', ...post('/saved-searches', () => ({ query: { kind: 'sale' } })), status: 400, code: 'VALIDATION_FAILED', path: 'name' },
    { name: 'text file renamed .jpg', method: 'POST', url: () => `/listings/${draftId}/photos`, raw: async () => upload(Buffer.from('not an image at all, just text\n'.repeat(20))), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', path: 'file' },
    { name: 'GIF image', method: 'POST', url: () => `/listings/${draftId}/photos`, raw: async () => upload(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).gif().toBuffer(), 'a.gif', 'image/gif'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', path: 'file' },
    {
      name: 'truncated JPEG',
      method: 'POST',
      url: () => `/listings/${draftId}/photos`,
      raw: async () => {
        const jpeg = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
        return upload(jpeg.subarray(0, Math.floor(jpeg.length / 2)));
      },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      path: 'file',
    },
    { name: 'upload over the size limit', method: 'POST', url: () => `/listings/${draftId}/photos`, raw: async () => upload(Buffer.alloc(uploadLimit + 10_000, 7)), status: 413, code: 'PAYLOAD_TOO_LARGE', path: null },
    { name: 'image over 40 megapixels', method: 'POST', url: () => `/listings/${draftId}/photos`, raw: async () => upload(pngHeaderClaiming(8000, 5001), 'big.png', 'image/png'), status: 422, code: 'IMAGE_TOO_MANY_PIXELS', path: 'file' },
    { name: 'upload in another field', method: 'POST', url: () => `/listings/${draftId}/photos`, raw: async () => upload(await pngImage(), 'a.png', 'image/png', 'photo'), status: 400, code: 'VALIDATION_FAILED', path: 'file' },
    { name: 'upload that is not multipart', ...post('/', () => ({ file: 'data:image/png;base64,AAAA' })), url: () => `/listings/${draftId}/photos`, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', path: 'file' },
  ];

  it.each(cases)('$name → $status $code', async (item) => {
    const before = await snapshot(domus);
    const raw = item.raw ? await item.raw() : undefined;
    const response = raw
      ? await domus.app.inject({ method: item.method, url: `/api/v1${item.url()}`, headers: { ...me.headers, ...raw.headers }, payload: raw.payload })
      : await call(domus, me, item.method, item.url(), item.body ? await item.body() : undefined, item.headers);
    expectProblem(response, item.status, item.code, item.path);
    if (item.path === null) expect(response.json().errors ?? [], response.body).toEqual([]);
    expect(await snapshot(domus), 'nothing was written').toEqual(before);
  });
});

describe('photos', () => {
  it('stores verified renditions, strips metadata, auto-rotates and serves them with cache headers', async () => {
    const exifJpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#c84' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '52/1 22/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '4/1 53/1 0/1' } })
      .toBuffer();
    expect((await sharp(exifJpeg).metadata()).exif).toBeDefined();
    const body = multipart('file', 'holiday.png', 'application/octet-stream', exifJpeg);
    const created = await call(domus, me, 'POST', `/listings/${activeId}/photos`, body.payload, body.headers);
    expect(created.statusCode, created.body).toBe(201);
    const photo = created.json();
    expect(photo).toMatchObject({ listingId: activeId, position: 0, width: 480, height: 640, contentType: 'image/jpeg' });

    const expectations = { original: ['image/jpeg', 480], large: ['image/webp', 480], thumb: ['image/webp', 320] } as const;
    for (const [size, [contentType, width]] of Object.entries(expectations)) {
      const file = await domus.app.inject({ method: 'GET', url: photo.urls[size] });
      expect(file.statusCode, `${size}: ${file.body.slice(0, 200)}`).toBe(200);
      expect(file.headers['content-type']).toBe(contentType);
      expect(file.headers['cache-control']).toContain('public');
      const metadata = await sharp(file.rawPayload).metadata();
      expect(metadata.width, size).toBe(width);
      expect(metadata.exif, `${size} keeps no EXIF (GPS)`).toBeUndefined();
      expect(metadata.orientation ?? 1).toBe(1);
      const again = await domus.app.inject({ method: 'GET', url: photo.urls[size], headers: { 'if-none-match': String(file.headers.etag) } });
      expect(again.statusCode).toBe(304);
    }
    const listing = await call(domus, anonymous, 'GET', `/listings/${activeId}`);
    expect(listing.json().photos).toEqual([photo]);
  });

  it('keeps draft photos private, deletes files with the row and renumbers positions', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push((await domus.modules.listings.service.addPhotoFromBuffer(draftId, await pngImage(40 + index, 30))).id);
    const thumb = await domus.app.inject({ method: 'GET', url: `/api/v1/photos/${ids[0]}/thumb`, headers: me.headers });
    expect(thumb.headers['cache-control']).toContain('private');
    expect((await call(domus, anonymous, 'GET', `/photos/${ids[0]}/thumb`)).statusCode).toBe(404);

    const before = await snapshot(domus);
    expect((await call(domus, me, 'DELETE', `/listings/${draftId}/photos/${ids[0]}`)).statusCode).toBe(204);
    const after = await snapshot(domus);
    expect(after.listing_photos).toBe(before.listing_photos - 1);
    expect(after.files).toBe(before.files - 3);
    expect((await call(domus, me, 'GET', `/photos/${ids[0]}/large`)).statusCode).toBe(404);
    const listing = await call(domus, me, 'GET', `/listings/${draftId}`);
    expect(listing.json().photos.map((photo: { id: string; position: number }) => [photo.id, photo.position])).toEqual([
      [ids[1], 0],
      [ids[2], 1],
    ]);
    expectProblem(await call(domus, me, 'DELETE', `/listings/${draftId}/photos/${ids[0]}`), 404, 'PHOTO_NOT_FOUND');
  });

  it(`stops at ${maxPhotosPerListing} photos per listing`, async () => {
    const listing = await createListing(domus, me, propertyId);
    const image = await pngImage(16, 16);
    for (let index = 0; index < maxPhotosPerListing; index++) await domus.modules.listings.service.addPhotoFromBuffer(listing.id, image);
    await expect(domus.modules.listings.service.addPhotoFromBuffer(listing.id, image)).rejects.toMatchObject({ code: 'PHOTO_LIMIT_REACHED' });
    const before = await snapshot(domus);
    const body = multipart('file', 'one-more.png', 'image/png', image);
    expectProblem(await call(domus, me, 'POST', `/listings/${listing.id}/photos`, body.payload, body.headers), 409, 'PHOTO_LIMIT_REACHED');
    expect(await snapshot(domus)).toEqual(before);
  });
});
