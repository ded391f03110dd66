import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDomus, type Domus } from '../../src/app';
import { ManualClock } from '../../src/platform/clock';
import { testConfig } from '../../src/platform/config';
import { InProcessEventBus, NatsEventBus, RedisEventBus, type EventBus } from '../../src/platform/events';
import { newId } from '../../src/platform/ids';
import { Secrets } from '../../src/platform/secrets';
import { openTestDatabase } from '../support/harness';

/**
 * The gateway's per-node caches (sessions, roles, API keys, risk profiles) against two nodes over
 * one database and one bus (in-process, or Redis when REDIS_URL is set). The caches live far
 * longer here (300 s, on a clock that does not move) than the time a check takes, so whenever
 * node B follows a change made through node A, only the bus notice can have told it.
 */
const redisUrl = process.env.REDIS_URL;
// EVENT_BUS=nats with NATS_URL (CI's NATS step) puts the two nodes on the NATS bus instead.
const natsUrl = process.env.EVENT_BUS === 'nats' ? process.env.NATS_URL : undefined;
const networked = Boolean(natsUrl || redisUrl);
const cacheSeconds = 300;
let a: Domus;
let b: Domus;
let clock: ManualClock;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const { handle, drop } = await openTestDatabase();
  const dataDirs = [await mkdtemp(path.join(tmpdir(), 'domus-cache-a-')), await mkdtemp(path.join(tmpdir(), 'domus-cache-b-'))];
  const secrets = new Secrets(Buffer.alloc(32, 7));
  const prefix = `domus-test:${newId()}:`;
  const natsPrefix = `domus-test.${newId()}.`;
  clock = new ManualClock('2026-05-04T10:00:00.000Z');
  const shared = new InProcessEventBus('shared');
  const buses: EventBus[] = natsUrl
    ? [0, 1].map((index) => new NatsEventBus(natsUrl, `node-${index}`, natsPrefix))
    : redisUrl
      ? [0, 1].map((index) => new RedisEventBus(redisUrl, `node-${index}`, `${prefix}events:`))
      : [shared];
  [a, b] = (await Promise.all(
    dataDirs.map((dataDir, index) =>
      createDomus(
        { ...testConfig({ DATA_DIR: dataDir, AUTH_RATE_LIMIT_PER_MINUTE: '10000', AUTH_CACHE_TTL_SECONDS: String(cacheSeconds) }), REDIS_URL: redisUrl },
        { database: handle, secrets, clock, rateLimitNamespace: `${prefix}rl:`, bus: buses[index] ?? shared },
      ),
    ),
  )) as [Domus, Domus];
  if (networked) await Promise.all(buses.map((bus) => (bus as RedisEventBus | NatsEventBus).subscriptionsReady()));
  cleanup = async () => {
    await a.close();
    await b.close();
    for (const bus of buses) await bus.close();
    await drop();
    for (const directory of dataDirs) await rm(directory, { recursive: true, force: true });
  };
});
afterAll(async () => {
  await cleanup?.();
});

interface Caller {
  cookie: string;
  id: string;
  email: string;
  sessionId: string;
}

async function signUp(node: Domus, name: string, ip = '10.7.0.1'): Promise<Caller> {
  const email = `${name.toLowerCase()}-${newId().slice(-8)}@example.test`;
  const response = await node.app.inject({ method: 'POST', url: '/api/v1/auth/signup', remoteAddress: ip, payload: { email, password: 'a long enough password', displayName: name } });
  expect(response.statusCode, response.body).toBe(201);
  const cookie = ['domus_session', 'domus_device'].map((cookieName) => `${cookieName}=${response.cookies.find((item) => item.name === cookieName)!.value}`).join('; ');
  const token = response.cookies.find((item) => item.name === 'domus_session')!.value;
  return { cookie, id: response.json().user.id, email, sessionId: createHash('sha256').update(token).digest('hex') };
}

function call(node: Domus, caller: { cookie: string } | { authorization: string }, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object, ip = '10.7.0.1') {
  return node.app.inject({ method, url: `/api/v1${url}`, remoteAddress: ip, headers: { ...caller }, ...(payload ? { payload } : {}) });
}

/**
 * Node B's answer after a change on node A. The in-process bus delivers before A's answer
 * returns, so the first try must already show it; Redis delivers a moment later (it is another
 * connection; NATS likewise), so allow it a few tries within a second — still far inside the
 * 300 s lifetime.
 */
async function onB(request: () => ReturnType<typeof call>, expected: number) {
  let response = await request();
  const deadline = Date.now() + (networked ? 1_000 : 0);
  while (response.statusCode !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    response = await request();
  }
  return response;
}

describe('per-node access caches, kept right over the bus', () => {
  it('refuses on node B a session logged out on node A, at once', async () => {
    const user = await signUp(a, 'Lea');
    expect((await call(b, user, 'GET', '/auth/me')).statusCode).toBe(200);
    expect((await call(b, user, 'GET', '/auth/me')).statusCode).toBe(200);
    expect((await call(a, user, 'POST', '/auth/logout')).statusCode).toBe(204);
    expect((await onB(() => call(b, user, 'GET', '/auth/me'), 401)).statusCode).toBe(401);
  });

  it('refuses on node B a session ended from another session on node A', async () => {
    const phone = await signUp(a, 'Max');
    const login = await a.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.7.0.2', payload: { email: phone.email, password: 'a long enough password' } });
    expect(login.statusCode, login.body).toBe(200);
    const laptop = { cookie: ['domus_session', 'domus_device'].map((name) => `${name}=${login.cookies.find((item) => item.name === name)!.value}`).join('; ') };
    const laptopSession = createHash('sha256').update(login.cookies.find((item) => item.name === 'domus_session')!.value).digest('hex');
    expect((await call(b, laptop, 'GET', '/auth/me')).statusCode).toBe(200);
    expect((await call(a, phone, 'DELETE', `/me/sessions/${laptopSession}`)).statusCode).toBe(204);
    expect((await onB(() => call(b, laptop, 'GET', '/auth/me'), 401)).statusCode).toBe(401);
    expect((await call(b, phone, 'GET', '/auth/me')).statusCode).toBe(200);
  });

  it('refuses on node B the other sessions of a password changed on node A, at once', async () => {
    const phone = await signUp(a, 'Ida');
    const login = await a.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.7.0.3', payload: { email: phone.email, password: 'a long enough password' } });
    expect(login.statusCode, login.body).toBe(200);
    const laptop = { cookie: ['domus_session', 'domus_device'].map((name) => `${name}=${login.cookies.find((item) => item.name === name)!.value}`).join('; ') };
    expect((await call(b, laptop, 'GET', '/auth/me')).statusCode).toBe(200);
    const changed = await call(a, phone, 'PUT', '/me/password', { currentPassword: 'a long enough password', newPassword: 'another long passphrase' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await onB(() => call(b, laptop, 'GET', '/auth/me'), 401)).statusCode).toBe(401);
    expect((await call(b, phone, 'GET', '/auth/me')).statusCode).toBe(200);
  });

  it('applies a role change and a removal made on node A to node B at once', async () => {
    const owner = await signUp(a, 'Olga');
    const member = await signUp(a, 'Mia');
    const organization = await call(a, owner, 'POST', '/organizations', { name: 'Cache Realty' });
    expect(organization.statusCode, organization.body).toBe(201);
    const orgId = organization.json().id as string;
    // Not yet a member: node B caches "no standing" …
    expect((await call(b, member, 'GET', `/organizations/${orgId}`)).statusCode).toBe(404);
    expect((await call(a, owner, 'POST', `/organizations/${orgId}/members`, { email: member.email, role: 'admin' })).statusCode).toBe(201);
    // … and forgets it when the member is added.
    expect((await onB(() => call(b, member, 'GET', `/organizations/${orgId}/api-keys`), 200)).statusCode).toBe(200);

    expect((await call(a, owner, 'PATCH', `/organizations/${orgId}/members/${member.id}`, { role: 'viewer' })).statusCode).toBe(200);
    const demoted = await onB(() => call(b, member, 'GET', `/organizations/${orgId}/api-keys`), 403);
    expect(demoted.statusCode).toBe(403);
    expect(demoted.json().code).toBe('INSUFFICIENT_ROLE');

    expect((await call(a, owner, 'DELETE', `/organizations/${orgId}/members/${member.id}`)).statusCode).toBe(204);
    expect((await onB(() => call(b, member, 'GET', `/organizations/${orgId}`), 404)).statusCode).toBe(404);
  });

  it('refuses on node B an API key revoked on node A, at once', async () => {
    const owner = await signUp(a, 'Kai');
    const orgId = (await call(a, owner, 'POST', '/organizations', { name: 'Key Homes' })).json().id as string;
    const created = await call(a, owner, 'POST', `/organizations/${orgId}/api-keys`, { name: 'feed', scopes: ['listings:read'] });
    expect(created.statusCode, created.body).toBe(201);
    const key = { authorization: `Bearer ${created.json().key}` };
    expect((await call(b, key, 'GET', `/organizations/${orgId}`)).statusCode).toBe(200);
    expect((await call(a, owner, 'DELETE', `/organizations/${orgId}/api-keys/${created.json().id}`)).statusCode).toBe(204);
    expect((await onB(() => call(b, key, 'GET', `/organizations/${orgId}`), 401)).statusCode).toBe(401);
  });

  it('lets node B see at once a second factor passed on node A (step-up)', async () => {
    const user = await signUp(a, 'Ines');
    const update = () => call(b, user, 'PUT', '/me/personal-data', { iban: 'NL91ABNA0417164300' });
    const before = await update();
    expect(before.statusCode, before.body).toBe(401);
    expect(before.json().code).toBe('STEP_UP_REQUIRED');
    await a.modules.identity.service.markSessionMfaVerified(user.sessionId);
    expect((await onB(update, 200)).statusCode).toBe(200);
  });

  it("re-assesses node B's sensitive requests under a risk policy tightened on node A, at once", async () => {
    // Six accounts failing from one address: credential stuffing (45) + failures (2) = 47, under the default step-up at 50.
    const address = '10.7.9.9';
    for (let account = 0; account < 6; account += 1) {
      const failed = await a.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: address, payload: { email: `nobody${account}@example.test`, password: 'wrong password' } });
      expect(failed.statusCode).toBe(401);
    }
    const owner = await signUp(a, 'Rita', '10.7.0.3');
    const orgId = (await call(a, owner, 'POST', '/organizations', { name: 'Risk Lofts' }, '10.7.0.3')).json().id as string;
    const sensitive = () => call(b, owner, 'POST', `/organizations/${orgId}/api-keys`, { name: 'k', scopes: ['listings:read'] }, address);
    expect((await sensitive()).statusCode).toBe(201);
    const tightened = await call(a, owner, 'PUT', `/organizations/${orgId}/security/policy`, { stepUpAt: 30, denyAt: 40 }, '10.7.0.3');
    expect(tightened.statusCode, tightened.body).toBe(200);
    const refused = await onB(sensitive, 403);
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json().code).toBe('RISK_DENIED');
  });

  it('drops everything when the bus comes back after a lost connection (notices may have been missed)', async () => {
    const user = await signUp(a, 'Ute');
    expect((await call(b, user, 'GET', '/auth/me')).statusCode).toBe(200);
    await b.platform.db.withTables<{ sessions: { id: string; revoked_at: Date | null } }>().updateTable('sessions').set({ revoked_at: clock.now() }).where('id', '=', user.sessionId).execute();
    expect((await call(b, user, 'GET', '/auth/me')).statusCode).toBe(200);
    // What the Redis and NATS buses announce locally after a reconnect.
    await b.platform.bus.publish('platform.bus.resumed', { at: clock.now().toISOString() });
    expect((await onB(() => call(b, user, 'GET', '/auth/me'), 401)).statusCode).toBe(401);
  });

  it('is a cache: a session revoked behind the service (no notice) lasts until the lifetime ends, no longer', async () => {
    const user = await signUp(a, 'Tom');
    expect((await call(b, user, 'GET', '/auth/me')).statusCode).toBe(200);
    await b.platform.db.withTables<{ sessions: { id: string; revoked_at: Date | null } }>().updateTable('sessions').set({ revoked_at: clock.now() }).where('id', '=', user.sessionId).execute();
    expect((await call(b, user, 'GET', '/auth/me')).statusCode).toBe(200);
    clock.advance(cacheSeconds * 1000);
    expect((await call(b, user, 'GET', '/auth/me')).statusCode).toBe(401);
  });
});
