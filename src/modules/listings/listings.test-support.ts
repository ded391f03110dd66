import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { TestDomus } from '../../../test/support/harness';
import type { ImportRecord } from './listings.import-types';

/** Helpers shared by the listings test files (this file holds no tests itself). */

export interface Caller {
  headers: Record<string, string>;
}

export const anonymous: Caller = { headers: {} };
export const asUser = (user: { cookie: string }): Caller => ({ headers: { cookie: user.cookie } });
export const asKey = (key: string): Caller => ({ headers: { authorization: `Bearer ${key}` } });

export function call(domus: TestDomus, caller: Caller, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return domus.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { ...caller.headers, ...headers },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

export async function createApiKey(domus: TestDomus, owner: { cookie: string }, organizationId: string, scopes: string[]): Promise<string> {
  const response = await call(domus, asUser(owner), 'POST', `/organizations/${organizationId}/api-keys`, { name: 'test key', scopes });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().key as string;
}

export async function addMember(domus: TestDomus, owner: { cookie: string }, organizationId: string, email: string, role: string): Promise<void> {
  const response = await call(domus, asUser(owner), 'POST', `/organizations/${organizationId}/members`, { email, role });
  expect(response.statusCode, response.body).toBe(201);
}

export const amsterdamProperty = (organizationId: string) => ({
  organizationId,
  address: 'Keizersgracht 123',
  city: 'Amsterdam',
  country: 'NL',
  postalCode: '1015 CJ',
  latitude: 52.3731,
  longitude: 4.8838,
  propertyType: 'apartment',
  livingAreaM2: 86,
  rooms: 4,
  bedrooms: 2,
  bathrooms: 1,
  yearBuilt: 1890,
  energyLabel: 'C',
  features: ['balcony', 'canal view'],
});

export async function createProperty(domus: TestDomus, caller: Caller, organizationId: string, overrides: Record<string, unknown> = {}) {
  const response = await call(domus, caller, 'POST', '/properties', { ...amsterdamProperty(organizationId), ...overrides });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; organizationId: string };
}

export async function createListing(domus: TestDomus, caller: Caller, propertyId: string, overrides: Record<string, unknown> = {}) {
  const response = await call(domus, caller, 'POST', '/listings', {
    propertyId,
    kind: 'sale',
    title: 'Canal-side apartment with balcony',
    description: 'Bright two-bedroom apartment on the Keizersgracht.',
    askingPrice: { amountMinor: 65_000_000, currency: 'EUR' },
    ...overrides,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; version: number; status: string };
}

export async function setStatus(domus: TestDomus, caller: Caller, listingId: string, status: string) {
  const response = await call(domus, caller, 'POST', `/listings/${listingId}/status`, { status });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

const snapshotTables = ['properties', 'listings', 'listing_price_history', 'listing_photos', 'saved_searches', 'idempotency_keys'] as const;
export type Snapshot = Record<(typeof snapshotTables)[number] | 'listings.version' | 'properties.updated' | 'files', number>;

/** Row counts of every listings table plus the idempotency keys and stored files: "nothing was written". */
export async function snapshot(domus: TestDomus): Promise<Snapshot> {
  const counts: Partial<Snapshot> = {};
  for (const table of snapshotTables) {
    const result = await sql<{ count: number }>`SELECT count(*)::integer AS count FROM ${sql.table(table)}`.execute(domus.platform.db);
    counts[table] = result.rows[0]?.count ?? -1;
  }
  const versions = await sql<{ sum: number | null }>`SELECT coalesce(sum(version), 0)::integer AS sum FROM listings`.execute(domus.platform.db);
  counts['listings.version'] = versions.rows[0]?.sum ?? 0;
  const updated = await sql<{ max: string | null }>`SELECT max(updated_at)::text AS max FROM properties`.execute(domus.platform.db);
  counts['properties.updated'] = updated.rows[0]?.max ? Date.parse(updated.rows[0].max) : 0;
  counts.files = await countFiles(path.join(domus.config.DATA_DIR, 'files'));
  return counts as Snapshot;
}

async function countFiles(folder: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) total += entry.isDirectory() ? await countFiles(path.join(folder, entry.name)) : 1;
  return total;
}

export function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown; body: string }, status: number, code: string, errorPath?: string | null) {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  const problem = response.json() as { code: string; errors?: { path: string }[] };
  expect(problem.code, response.body).toBe(code);
  if (errorPath) expect(problem.errors?.map((error) => error.path), response.body).toContain(errorPath);
}

export async function pngImage(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } }).png().toBuffer();
}

/** A multipart/form-data body with one file part. */
export function multipart(field: string, filename: string, contentType: string, content: Buffer) {
  const boundary = `----domus${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, content, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export function importRecord(overrides: { property?: Partial<ImportRecord['property']>; listing?: Partial<ImportRecord['listing']> } & Partial<Omit<ImportRecord, 'property' | 'listing'>> = {}): ImportRecord {
  const { property, listing, ...rest } = overrides;
  return {
    property: {
      address: 'Oudegracht 10',
      city: 'Utrecht',
      country: 'NL',
      postalCode: '3511 AB',
      latitude: 52.0907,
      longitude: 5.1214,
      propertyType: 'house',
      livingAreaM2: 120,
      plotAreaM2: 150,
      rooms: 5,
      bedrooms: 3,
      bathrooms: 1.5,
      yearBuilt: 1930,
      energyLabel: 'C',
      features: ['garden'],
      ...property,
    },
    listing: {
      kind: 'sale',
      title: 'Family house near the canal',
      description: 'A spacious family house.',
      askingPrice: { amountMinor: 55_000_000, currency: 'EUR' },
      status: 'active',
      publishedAt: new Date('2026-02-01T10:00:00.000Z'),
      ...listing,
    },
    isSynthetic: true,
    ...rest,
  };
}
