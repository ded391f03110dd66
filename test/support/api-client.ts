import { expect } from 'vitest';
import type { TestDomus } from './harness';

/**
 * HTTP helpers for API tests: a caller (anonymous, a session cookie or an API key), a request
 * under /api/v1, and the few resources most tests need, created as any client would.
 */

export interface Caller {
  headers: Record<string, string>;
}

export const anonymous: Caller = { headers: {} };
export const asUser = (user: { cookie: string }): Caller => ({ headers: { cookie: user.cookie } });
export const asKey = (key: string): Caller => ({ headers: { authorization: `Bearer ${key}` } });

export function call(domus: TestDomus, caller: Caller, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) {
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

export function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown; body: string }, status: number, code: string, errorPath?: string | null) {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  const problem = response.json() as { code: string; errors?: { path: string }[] };
  expect(problem.code, response.body).toBe(code);
  if (errorPath) expect(problem.errors?.map((error) => error.path), response.body).toContain(errorPath);
}
