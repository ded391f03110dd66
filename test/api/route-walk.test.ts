import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, asUser, type Caller } from '../support/api-client';
import { createTestDomus, type TestDomus } from '../support/harness';
import { createWalkFixtures, fillPath, pathParamNames, sample, stepUp, type WalkFixtures } from '../support/route-walk';

/**
 * Walks every operation of the OpenAPI document (issue 3): each must publish a policy; without
 * credentials it answers 401 (unless public); another organization's member gets 404 on tenant
 * resources; a member below the route's role gets 403; a route demanding step-up answers 401
 * STEP_UP_REQUIRED with a challenge; and injection attempts in every parameter are refused with
 * a 4xx, never a 500.
 */
interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  policy: {
    access: 'public' | 'authenticated';
    tenant: string | { param: string } | { query: string };
    role?: string;
    stepUp?: { maxAgeSeconds: number };
    via?: string[];
  } | undefined;
  body: Record<string, unknown> | undefined;
  query: { name: string; required: boolean; schema: Record<string, unknown> }[];
}

let domus: TestDomus;
let fixtures: WalkFixtures;
let document: { paths: Record<string, Record<string, Record<string, unknown>>> } & Record<string, unknown>;
let operations: Operation[];

beforeAll(async () => {
  domus = await createTestDomus();
  fixtures = await createWalkFixtures(domus);
  document = (await domus.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  operations = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const [method, operation] of Object.entries(methods)) {
      const content = (operation.requestBody as { content?: Record<string, { schema?: Record<string, unknown> }> } | undefined)?.content;
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        policy: operation['x-domus-policy'] as Operation['policy'],
        body: content?.['application/json']?.schema,
        query: ((operation.parameters ?? []) as { in: string; name: string; required?: boolean; schema: Record<string, unknown> }[])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => ({ name: parameter.name, required: parameter.required === true, schema: parameter.schema })),
      });
    }
  }
}, 180_000);

afterAll(async () => {
  await domus?.close();
});

const label = (operation: Operation) => `${operation.method} ${operation.path}`;
/** Resources that belong to no organization (the platform's model registry): refused with 403 to non-administrators. */
const platformWide = new Set(['POST /api/v1/valuation-models/{id}/activate']);
const roleBelow: Record<string, 'viewer' | 'agent' | 'admin'> = { agent: 'viewer', admin: 'agent', owner: 'admin' };

function request(operation: Operation, caller: Caller, options: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown } = {}) {
  const url = fillPath(operation.path, fixtures, options.params);
  const query = new URLSearchParams();
  for (const parameter of operation.query) {
    const value = options.query?.[parameter.name] ?? (parameter.required ? sample(parameter.schema, fixtures, parameter.name, document) : undefined);
    if (value !== undefined) query.set(parameter.name, String(value));
  }
  const withBody = operation.body && operation.method !== 'GET' && operation.method !== 'DELETE';
  const payload = withBody ? (options.body ?? sample(operation.body, fixtures, '', document)) : undefined;
  return domus.app.inject({
    method: operation.method,
    url: `${url}${query.size > 0 ? `?${query}` : ''}`,
    headers: caller.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

describe('route walk over the OpenAPI document', () => {
  it('finds the routes, and every one publishes a policy', () => {
    expect(operations.length).toBeGreaterThan(40);
    const without = operations.filter((operation) => !operation.policy).map(label);
    expect(without, 'operations without x-domus-policy').toEqual([]);
    expect(domus.gateway.routesWithoutPolicy(), 'routes registered without a policy').toEqual([]);
    // Every path parameter has a fixture (fillPath throws naming the missing one).
    for (const operation of operations) expect(() => fillPath(operation.path, fixtures)).not.toThrow();
  });

  it('answers 401 problem+json without credentials, except on public routes', async () => {
    const failures: string[] = [];
    for (const operation of operations.filter((candidate) => candidate.policy?.access === 'authenticated')) {
      const response = await request(operation, anonymous);
      if (response.statusCode !== 401 || !String(response.headers['content-type']).includes('application/problem+json')) {
        failures.push(`${label(operation)} → ${response.statusCode} ${response.body.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers 404 to another organization's member on tenant resources", async () => {
    await stepUp(domus, fixtures.outsider);
    const scoped = operations.filter((operation) => {
      const policy = operation.policy;
      if (!policy || policy.access !== 'authenticated' || !(policy.via ?? ['session']).includes('session')) return false;
      if (typeof policy.tenant === 'object') return true;
      return (policy.tenant === 'resource' || policy.tenant === 'caller') && pathParamNames(operation.path).length > 0 && !platformWide.has(label(operation));
    });
    expect(scoped.length).toBeGreaterThan(15);
    const failures: string[] = [];
    for (const operation of scoped) {
      const response = await request(operation, asUser(fixtures.outsider));
      if (response.statusCode !== 404) failures.push(`${label(operation)} → ${response.statusCode} ${response.body.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 to a member below the route’s role', async () => {
    const members = { viewer: fixtures.viewer, agent: fixtures.agent, admin: fixtures.admin };
    const ranked = operations.filter((operation) => operation.policy?.role && roleBelow[operation.policy.role] && typeof operation.policy.tenant === 'object');
    expect(ranked.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const operation of ranked) {
      const below = members[roleBelow[operation.policy?.role as string] as keyof typeof members];
      await stepUp(domus, below);
      const response = await request(operation, asUser(below));
      if (response.statusCode !== 403) failures.push(`${label(operation)} as ${roleBelow[operation.policy?.role as string]} → ${response.statusCode} ${response.body.slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 401 STEP_UP_REQUIRED with a challenge where the route demands a recent second factor', async () => {
    const guarded = operations.filter((operation) => operation.policy?.stepUp);
    expect(guarded.map(label)).toContain('POST /api/v1/deals/{id}/offers/{offerId}/accept');
    const failures: string[] = [];
    for (const operation of guarded) {
      // The owner has not passed a second factor in this session (no pass above stepped it up).
      const response = await request(operation, asUser(fixtures.owner));
      const body = response.json() as { code?: string; stepUp?: { maxAgeSeconds?: number } };
      if (
        response.statusCode !== 401 ||
        body.code !== 'STEP_UP_REQUIRED' ||
        body.stepUp?.maxAgeSeconds !== operation.policy?.stepUp?.maxAgeSeconds ||
        !/^DomusStepUp max_age=\d+$/.test(String(response.headers['www-authenticate']))
      ) {
        failures.push(`${label(operation)} → ${response.statusCode} ${response.body.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses injection attempts in every parameter with a 4xx, never a 500', async () => {
    await stepUp(domus, fixtures.owner);
    const attempts = ["' OR '1'='1", '1; DROP TABLE users;--', '{"$gt":""}', '../../etc/passwd', '%00\u0000', 'x'.repeat(5_000), '<script>alert(1)</script>'];
    const failures: string[] = [];
    const check = (what: string, response: { statusCode: number; body: string }) => {
      if (response.statusCode >= 500) failures.push(`${what} → ${response.statusCode} ${response.body.slice(0, 160)}`);
    };
    for (const operation of operations) {
      for (const attempt of attempts) {
        for (const param of pathParamNames(operation.path)) {
          check(`${label(operation)} {${param}}=${attempt.slice(0, 20)}`, await request(operation, asUser(fixtures.owner), { params: { [param]: attempt } }));
        }
        for (const parameter of operation.query) {
          check(`${label(operation)} ?${parameter.name}=${attempt.slice(0, 20)}`, await request(operation, asUser(fixtures.owner), { query: { [parameter.name]: attempt } }));
        }
        if (operation.body && operation.method !== 'GET' && operation.method !== 'DELETE') {
          const body = sample(operation.body, fixtures, '', document);
          if (body && typeof body === 'object' && !Array.isArray(body)) {
            const poisoned = Object.fromEntries(Object.keys(body).map((key) => [key, attempt]));
            check(`${label(operation)} body=${attempt.slice(0, 20)}`, await request(operation, asUser(fixtures.owner), { body: poisoned }));
          }
          check(`${label(operation)} raw body`, await domus.app.inject({ method: operation.method, url: fillPath(operation.path, fixtures), headers: { ...asUser(fixtures.owner).headers, 'content-type': 'application/json' }, payload: `{"a":${attempt}` }));
        }
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('refuses forged or tampered credentials with 401 and records them', async () => {
    const protectedRoute = operations.find((operation) => operation.path === '/api/v1/auth/me') as Operation;
    const forged: Caller[] = [
      { headers: { cookie: "domus_session=' OR 1=1--" } },
      { headers: { cookie: `domus_session=${'A'.repeat(43)}` } },
      { headers: { cookie: `${fixtures.owner.cookie.slice(0, -2)}xx` } },
      { headers: { authorization: "Bearer dk_' OR '1'='1" } },
      { headers: { authorization: `Bearer dk_${'0'.repeat(12)}_${'A'.repeat(43)}` } },
      { headers: { authorization: `Bearer dst_${Buffer.from('{"sub":"x","scp":[],"iat":0,"exp":9999999999,"jti":"x"}').toString('base64url')}.${'A'.repeat(43)}` } },
    ];
    for (const caller of forged) {
      const response = await request(protectedRoute, caller);
      expect(response.statusCode, JSON.stringify(caller.headers)).toBe(401);
      expect(String(response.headers['content-type'])).toContain('application/problem+json');
    }
    await domus.gateway.flushAudit();
    const rejected: string[] = [];
    for await (const entry of domus.platform.audit.entries()) if (entry.action === 'security.credential.rejected') rejected.push(String(entry.details.credential));
    expect(new Set(rejected)).toEqual(new Set(['session_cookie', 'api_key', 'service_token']));
  });
});
