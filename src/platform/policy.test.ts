import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/support/harness';
import { AuditLog, type AuditEntry } from './audit';
import { ManualClock } from './clock';
import { testConfig } from './config';
import { migrateToLatest, type DatabaseHandle } from './db';
import { createHttpServer, type AuthContext } from './http';
import { policy, PolicyGateway, type RiskAssessment } from './policy';
import { Secrets } from './secrets';
import { issueServiceToken } from './service-token';

/**
 * The gateway on its own: a bare HTTP server, a stub tenant directory and risk engine, and
 * callers described by an `x-test-auth` header (the real authenticators are tested in identity).
 */
const orgId = '01900000-0000-7000-8000-000000000001';
const otherOrgId = '01900000-0000-7000-8000-000000000002';
const roleRank = { viewer: 1, agent: 2, admin: 3, owner: 4 };
const members: Record<string, Record<string, string>> = { alice: { [orgId]: 'admin' }, victor: { [orgId]: 'viewer' } };

let database: { handle: DatabaseHandle; drop: () => Promise<void> };
let app: FastifyInstance;
let gateway: PolicyGateway;
let audit: AuditLog;
const clock = new ManualClock('2026-03-01T10:00:00.000Z');
const secrets = new Secrets(Buffer.alloc(32, 3));
let riskDecision: RiskAssessment['decision'] = 'allow';

beforeAll(async () => {
  database = await openTestDatabase();
  await migrateToLatest(database.handle.db);
  audit = new AuditLog(database.handle.db, { clock, secrets });
  const config = testConfig({ DATA_DIR: '/tmp/domus-policy-test' });
  ({ app } = await createHttpServer({ config, logger: (await import('./logger')).createLogger(config) }));
  gateway = new PolicyGateway({
    clock,
    secrets,
    audit,
    logger: (await import('./logger')).createLogger(config),
    roleRank,
    apiKeyMaxRole: 'agent',
    sessionCookieName: 'domus_session',
    standing: async (auth, organizationId) => {
      if (auth.apiKey) return auth.apiKey.organizationId === organizationId ? { role: null, scopes: auth.apiKey.scopes } : null;
      const role = auth.userId ? members[auth.userId]?.[organizationId] : undefined;
      return role ? { role, scopes: 'all' } : null;
    },
    risk: { assess: async () => ({ score: riskDecision === 'allow' ? 5 : 80, reasons: riskDecision === 'allow' ? [] : ['new_device'], decision: riskDecision }) },
    stepUpMethods: async () => ['totp'],
  });
  app.addHook('onRequest', async (request) => {
    const header = request.headers['x-test-auth'];
    request.auth = gateway.authenticateServiceToken(request) ?? (typeof header === 'string' ? (JSON.parse(header) as AuthContext) : null);
  });
  gateway.install(app);
  const ok = async () => ({ ok: true });
  await app.register(
    async (api) => {
      api.get('/open', { config: { policy: policy.public('test') }, schema: { summary: 'open' } }, ok);
      api.get('/forgotten', { schema: { summary: 'no policy' } }, ok);
      api.get('/me', { config: { policy: policy.self('test') }, schema: { summary: 'me' } }, ok);
      api.get('/orgs/:orgId/things', { config: { policy: policy.member('agent', { apiKeyScope: 'listings:read' }) }, schema: { summary: 'agent' } }, ok);
      api.post('/orgs/:orgId/admin', { config: { policy: policy.member('admin', { apiKeyScope: 'listings:write' }) }, schema: { summary: 'admin' } }, ok);
      api.post('/money', { config: { policy: policy.resource('test', { stepUp: { maxAgeSeconds: 300 } }) }, schema: { summary: 'money' } }, ok);
      api.post('/sensitive', { config: { policy: policy.resource('test', { sensitive: true }) }, schema: { summary: 'sensitive' } }, ok);
      api.post('/jobs', { config: { policy: { access: 'authenticated', via: ['service'], serviceScope: 'jobs:run', tenant: 'none', ownership: 'workers' } }, schema: { summary: 'jobs' } }, ok);
    },
    { prefix: '/api/v1' },
  );
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const user = (userId: string, extra: Partial<AuthContext> = {}): AuthContext => ({ userId, sessionId: `s-${userId}`, apiKey: null, mfaVerifiedAt: null, ...extra });
const key = (scopes: string[], organizationId = orgId): AuthContext => ({ userId: null, sessionId: null, apiKey: { id: 'k1', organizationId, scopes } });
function request(method: 'GET' | 'POST', url: string, auth?: AuthContext | null, headers: Record<string, string> = {}) {
  return app.inject({ method, url: `/api/v1${url}`, headers: { ...(auth ? { 'x-test-auth': JSON.stringify(auth) } : {}), ...headers } });
}
async function audited(): Promise<AuditEntry[]> {
  await gateway.flushAudit(); // denials are recorded without holding the answer
  const entries: AuditEntry[] = [];
  for await (const entry of audit.entries()) entries.push(entry);
  return entries;
}

describe('policy gateway', () => {
  it('denies a route without a policy and lists it', async () => {
    const response = await request('GET', '/forgotten', user('alice'));
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'POLICY_MISSING' });
    expect(gateway.routesWithoutPolicy()).toEqual(['GET /api/v1/forgotten']);
  });

  it('lets anyone call a public route and asks for credentials elsewhere', async () => {
    expect((await request('GET', '/open')).statusCode).toBe(200);
    const response = await request('GET', '/me');
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('records a forged session cookie as a rejected credential', async () => {
    const response = await request('GET', '/me', null, { cookie: 'domus_session=forged-token-value-that-resolves-to-nothing' });
    expect(response.statusCode).toBe(401);
    expect(await audited()).toContainEqual(expect.objectContaining({ action: 'security.credential.rejected', outcome: 'denied', details: expect.objectContaining({ credential: 'session_cookie' }) }));
  });

  it('refuses a credential kind the route does not accept', async () => {
    const response = await request('GET', '/me', key(['listings:read']));
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'CREDENTIAL_NOT_ACCEPTED' });
  });

  it('checks the tenant and the role: 404 outside, 403 below the role, API keys by scope and at most agent', async () => {
    expect((await request('GET', `/orgs/${orgId}/things`, user('alice'))).statusCode).toBe(200);
    expect((await request('GET', `/orgs/${otherOrgId}/things`, user('alice'))).statusCode).toBe(404);
    const viewer = await request('GET', `/orgs/${orgId}/things`, user('victor'));
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json().detail).toMatch(/agent role/);
    expect((await request('GET', `/orgs/${orgId}/things`, key(['listings:read']))).statusCode).toBe(200);
    expect((await request('GET', `/orgs/${orgId}/things`, key(['members:read']))).statusCode).toBe(403);
    expect((await request('GET', `/orgs/${orgId}/things`, key(['listings:read'], otherOrgId))).statusCode).toBe(404);
    expect((await request('POST', `/orgs/${orgId}/admin`, key(['listings:write']))).statusCode).toBe(403);
    expect((await request('POST', `/orgs/${orgId}/admin`, user('alice'))).statusCode).toBe(200);
    expect(await audited()).toContainEqual(expect.objectContaining({ action: 'security.access.denied', details: expect.objectContaining({ reason: 'role' }) }));
    // Not an id: left to the route's validation (400), never a database error.
    expect((await request('GET', `/orgs/not-a-uuid'--/things`, user('alice'))).statusCode).toBe(200);
  });

  it('demands a recent second factor: 401 STEP_UP_REQUIRED with a challenge', async () => {
    const response = await request('POST', '/money', user('alice'));
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('DomusStepUp max_age=300');
    expect(response.json()).toMatchObject({ code: 'STEP_UP_REQUIRED', stepUp: { methods: ['totp'], maxAgeSeconds: 300 } });
    const stale = new Date(clock.now().getTime() - 301_000);
    expect((await request('POST', '/money', user('alice', { mfaVerifiedAt: stale }))).statusCode).toBe(401);
    const fresh = new Date(clock.now().getTime() - 60_000);
    expect((await request('POST', '/money', user('alice', { mfaVerifiedAt: fresh }))).statusCode).toBe(200);
    expect((await request('POST', '/money', key(['listings:write']))).json()).toMatchObject({ code: 'CREDENTIAL_NOT_ACCEPTED' });
  });

  it('re-assesses risk on sensitive routes: allow, step up, deny', async () => {
    riskDecision = 'allow';
    expect((await request('POST', '/sensitive', user('alice'))).statusCode).toBe(200);
    riskDecision = 'step_up';
    expect((await request('POST', '/sensitive', user('alice'))).json()).toMatchObject({ code: 'STEP_UP_REQUIRED' });
    expect((await request('POST', '/sensitive', user('alice', { mfaVerifiedAt: clock.now() }))).statusCode).toBe(200);
    riskDecision = 'deny';
    const denied = await request('POST', '/sensitive', user('alice', { mfaVerifiedAt: clock.now() }));
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'RISK_DENIED' });
    expect(await audited()).toContainEqual(expect.objectContaining({ action: 'security.risk.denied', details: expect.objectContaining({ reasons: ['new_device'] }) }));
    riskDecision = 'allow';
  });

  it('accepts signed service tokens and rejects tampered, expired and out-of-scope ones', async () => {
    const { token } = issueServiceToken(secrets, clock, { name: 'indexer', scopes: ['jobs:run'], ttlSeconds: 60 });
    expect((await request('POST', '/jobs', null, { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    expect((await request('GET', '/me', null, { authorization: `Bearer ${token}` })).statusCode).toBe(403);
    const [body, signature] = token.slice(4).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const tampered = `dst_${Buffer.from(JSON.stringify({ ...claims, scp: ['jobs:run', 'admin'] })).toString('base64url')}.${signature}`;
    const rejected = await request('POST', '/jobs', null, { authorization: `Bearer ${tampered}` });
    expect(rejected.statusCode).toBe(401);
    expect(rejected.json()).toMatchObject({ code: 'INVALID_SERVICE_TOKEN' });
    expect(await audited()).toContainEqual(expect.objectContaining({ action: 'security.credential.rejected', details: expect.objectContaining({ credential: 'service_token', reason: 'forged or tampered' }) }));
    const other = issueServiceToken(secrets, clock, { name: 'mailer', scopes: ['mail:send'] }).token;
    expect((await request('POST', '/jobs', null, { authorization: `Bearer ${other}` })).statusCode).toBe(403);
    clock.advance(61_000);
    expect((await request('POST', '/jobs', null, { authorization: `Bearer ${token}` })).json()).toMatchObject({ code: 'INVALID_SERVICE_TOKEN', detail: expect.stringMatching(/expired/) });
    expect((await request('POST', '/jobs', null, { authorization: 'Bearer dst_garbage' })).statusCode).toBe(401);
  });

  it('publishes each policy in the OpenAPI document', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(document.paths['/api/v1/orgs/{orgId}/things'].get['x-domus-policy']).toEqual({
      access: 'authenticated',
      via: ['session', 'apiKey'],
      apiKeyScope: 'listings:read',
      tenant: { param: 'orgId' },
      role: 'agent',
      ownership: 'members of the organization in :orgId with the agent role or higher',
    });
    expect(document.paths['/api/v1/money'].post['x-domus-policy']).toMatchObject({ stepUp: { maxAgeSeconds: 300 } });
    expect(document.paths['/api/v1/forgotten'].get['x-domus-policy']).toBeUndefined();
  });
});
