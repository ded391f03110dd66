import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { addMember, asUser, call, createApiKey, createListing, createProperty, setStatus } from './api-client';
import { createOrganization, signUp, type SignedInUser, type TestDomus } from './harness';
import { stepUp } from './step-up';

/**
 * Fixtures for the route walk (test/api/route-walk.test.ts): two organizations, members of every
 * role, an API key, a property, listings, a deal with an offer and a saved search, all made
 * through the API. `pathParameters` maps every path parameter of the OpenAPI document to one of
 * them; a route whose parameter has no entry fails the walk loudly, so a new route is covered or
 * noticed, never skipped.
 */
export interface WalkFixtures {
  owner: SignedInUser;
  admin: SignedInUser;
  agent: SignedInUser;
  viewer: SignedInUser;
  buyer: SignedInUser;
  outsider: SignedInUser;
  orgId: string;
  outsiderOrgId: string;
  apiKey: string;
  apiKeyId: string;
  propertyId: string;
  listingId: string;
  draftListingId: string;
  dealId: string;
  offerId: string;
  savedSearchId: string;
  ownerSessionId: string;
}

export async function createWalkFixtures(domus: TestDomus): Promise<WalkFixtures> {
  const [owner, admin, agent, viewer, buyer, outsider] = (await Promise.all(
    ['Owner', 'Admin', 'Agent', 'Viewer', 'Buyer', 'Outsider'].map((name) => signUp(domus, name)),
  )) as [SignedInUser, SignedInUser, SignedInUser, SignedInUser, SignedInUser, SignedInUser];
  const orgId = await createOrganization(domus, owner, 'Walk Estates');
  const outsiderOrgId = await createOrganization(domus, outsider, 'Other Estates');
  await addMember(domus, owner, orgId, admin.email, 'admin');
  await addMember(domus, owner, orgId, agent.email, 'agent');
  await addMember(domus, owner, orgId, viewer.email, 'viewer');
  const apiKey = await createApiKey(domus, owner, orgId, ['listings:read', 'listings:write', 'members:read']);
  const keys = await call(domus, asUser(owner), 'GET', `/organizations/${orgId}/api-keys`);
  const apiKeyId = (keys.json() as { items: { id: string }[] }).items[0]?.id as string;
  const propertyId = (await createProperty(domus, asUser(agent), orgId)).id;
  const listing = await createListing(domus, asUser(agent), propertyId);
  await setStatus(domus, asUser(agent), listing.id, 'active');
  const draftListingId = (await createListing(domus, asUser(agent), propertyId, { title: 'Draft for the walk' })).id;
  const opened = await call(domus, asUser(buyer), 'POST', '/deals', { listingId: listing.id });
  expect(opened.statusCode, opened.body).toBe(201);
  const dealId = opened.json().id as string;
  const offered = await call(domus, asUser(buyer), 'POST', `/deals/${dealId}/offers`, {
    expectedVersion: opened.json().version,
    amount: { amountMinor: 60_000_000, currency: 'EUR' },
    conditions: { financing: true, inspection: true, closingDate: '2026-06-30', notes: '' },
    expiresAt: '2099-01-01T00:00:00Z',
  });
  expect(offered.statusCode, offered.body).toBe(201);
  const offerId = offered.json().offers[0].id as string;
  const saved = await call(domus, asUser(owner), 'POST', '/saved-searches', { name: 'Walk search', query: { q: 'canal', kind: 'sale' } });
  expect(saved.statusCode, saved.body).toBe(201);
  const ownerToken = /domus_session=([^;]+)/.exec(owner.cookie)?.[1] as string;
  return {
    owner, admin, agent, viewer, buyer, outsider, orgId, outsiderOrgId, apiKey, apiKeyId, propertyId,
    listingId: listing.id, draftListingId, dealId, offerId, savedSearchId: saved.json().id as string,
    ownerSessionId: createHash('sha256').update(ownerToken).digest('hex'),
  };
}

/** A well-formed id that names nothing: for resources the walk does not build (their routes must still answer 404 to outsiders). */
const nothing = '01900000-0000-7000-8000-00000000dead';

/**
 * Every path parameter → the fixture it names, by path. Add a row when a route brings a new
 * parameter; the walk fails on any parameter without one.
 */
export const pathParameters: { path: RegExp; param: string; value: (f: WalkFixtures) => string }[] = [
  { path: /./, param: 'orgId', value: (f) => f.orgId },
  { path: /\/organizations\/\{orgId\}\/(members|security\/lockouts)\/\{userId\}/, param: 'userId', value: (f) => f.agent.id },
  { path: /\/api-keys\/\{keyId\}/, param: 'keyId', value: (f) => f.apiKeyId },
  { path: /^\/api\/v1\/properties\/\{id\}/, param: 'id', value: (f) => f.propertyId },
  { path: /^\/api\/v1\/listings\/\{id\}/, param: 'id', value: (f) => f.draftListingId },
  { path: /\/photos\/\{photoId\}/, param: 'photoId', value: () => nothing },
  { path: /\/photos\/\{photoId\}\/\{size\}/, param: 'size', value: () => 'thumb' },
  { path: /^\/api\/v1\/deals\/\{id\}/, param: 'id', value: (f) => f.dealId },
  { path: /\/offers\/\{offerId\}/, param: 'offerId', value: (f) => f.offerId },
  { path: /^\/api\/v1\/saved-searches\/\{id\}/, param: 'id', value: (f) => f.savedSearchId },
  { path: /^\/api\/v1\/me\/devices\/\{deviceId\}/, param: 'deviceId', value: () => nothing },
  { path: /^\/api\/v1\/me\/sessions\/\{sessionId\}/, param: 'sessionId', value: (f) => f.ownerSessionId },
  { path: /\/security\/mfa\/(totp|factors)\/\{factorId\}/, param: 'factorId', value: () => nothing },
  // Tokenized properties, offerings and orders need a chain deployment; the walk uses ids that name nothing.
  { path: /^\/api\/v1\/tokenization\/(properties|offerings)\/\{id\}/, param: 'id', value: () => nothing },
  { path: /\/orders\/\{orderId\}/, param: 'orderId', value: () => '1' },
  { path: /\/wallets\/\{address\}/, param: 'address', value: () => '0x000000000000000000000000000000000000dEaD' },
  { path: /^\/api\/v1\/valuations\/jobs\/\{id\}/, param: 'id', value: () => nothing },
  { path: /^\/api\/v1\/valuation-models\/\{id\}/, param: 'id', value: () => nothing },
];

export function fillPath(path: string, fixtures: WalkFixtures, override: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_match, param: string) => {
    if (override[param] !== undefined) return encodeURIComponent(override[param]);
    const row = pathParameters.find((candidate) => candidate.param === param && candidate.path.test(path));
    if (!row) throw new Error(`The route walk has no fixture for {${param}} in ${path}: add a row to pathParameters in test/support/route-walk.ts`);
    return encodeURIComponent(row.value(fixtures));
  });
}

export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
}

/** Property names that name a fixture when a sample body needs an id. */
const idHints: Record<string, (f: WalkFixtures) => string> = {
  organizationId: (f) => f.orgId,
  propertyId: (f) => f.propertyId,
  listingId: (f) => f.listingId,
};

type JsonSchema = Record<string, unknown>;

/** A minimal valid value for a JSON schema from the OpenAPI document (required fields only). */
export function sample(schema: JsonSchema | undefined, fixtures: WalkFixtures, name = '', root: JsonSchema = {}, depth = 0): unknown {
  if (!schema || depth > 8) return undefined;
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], root);
    return sample(target as JsonSchema, fixtures, name, root, depth + 1);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('default' in schema && schema.default !== undefined) return schema.default;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const usable = (options as JsonSchema[]).find((option) => option.type !== 'null') ?? options[0];
      return sample(usable as JsonSchema, fixtures, name, root, depth + 1);
    }
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((item) => item !== 'null') : (schema.type as string | undefined);
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required ?? []) as string[]);
      return Object.fromEntries(Object.entries(properties).filter(([key]) => required.has(key)).map(([key, value]) => [key, sample(value, fixtures, key, root, depth + 1)]));
    }
    case 'array': {
      const count = Math.max(Number(schema.minItems ?? 0), 0);
      return Array.from({ length: count }, () => sample(schema.items as JsonSchema, fixtures, name, root, depth + 1));
    }
    case 'integer':
    case 'number': {
      const exclusive = schema.exclusiveMinimum;
      const minimum = typeof exclusive === 'number' ? exclusive + 1 : exclusive === true ? Number(schema.minimum ?? 0) + 1 : Number(schema.minimum ?? 1);
      // At least 1: amounts and versions are often refined to be positive beyond their schema's minimum.
      const maximum = Number(schema.maximum ?? Infinity);
      return Number.isFinite(minimum) ? Math.min(Math.max(minimum, 1), maximum) : 1;
    }
    case 'boolean':
      return false;
    case 'string': {
      const hint = idHints[name];
      if (hint) return hint(fixtures);
      if (schema.format === 'uuid' || /^\^\[0-9a-f\]\{8\}/.test(String(schema.pattern ?? ''))) return randomUUID();
      if (schema.format === 'email') return `walk-${randomUUID().slice(0, 8)}@example.test`;
      if (schema.format === 'date-time') return '2099-01-01T00:00:00Z';
      if (schema.format === 'date') return '2026-06-30';
      if (String(schema.pattern ?? '') === '^0x[0-9a-fA-F]{40}$') return `0x${'11'.repeat(20)}`; // an EVM address
      const digits = /^\^\\d\{(\d+)(?:,\d*)?\}\$$/.exec(String(schema.pattern ?? ''));
      if (digits) return '0'.repeat(Number(digits[1]));
      const length = Math.max(Number(schema.minLength ?? 1), 1);
      return 'w'.repeat(Math.min(length, 64));
    }
    default:
      return undefined;
  }
}

export { stepUp };
