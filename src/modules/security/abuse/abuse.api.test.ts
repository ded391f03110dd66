import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDomus, type TestDomus } from '../../../../test/support/harness';
import { asKey, call, createApiKey } from '../../../../test/support/api-client';
import { auditActions, browser, logIn, password, send, signUpFrom } from '../risk/risk.test-support';

let domus: TestDomus;
beforeAll(async () => {
  domus = await createTestDomus();
});
afterAll(async () => {
  await domus?.close();
});

const minute = 60_000;

describe('lock-outs and progressive delays', () => {
  it('lets a few typos pass, then makes each next try wait longer', async () => {
    const home = browser('10.3.0.1');
    const user = await signUpFrom(domus, home);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await logIn(domus, home, user.email, 'typo typo typo')).statusCode).toBe(401);
    }
    const throttled = await logIn(domus, home, user.email);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json()).toMatchObject({ code: 'LOGIN_THROTTLED', retryAfterSeconds: 1 });
    expect(throttled.headers['retry-after']).toBe('1');
    domus.clock.advance(1_000);
    expect((await logIn(domus, home, user.email, 'typo typo typo')).statusCode).toBe(401);
    const longer = await logIn(domus, home, user.email);
    expect(longer.json().retryAfterSeconds).toBe(2);
    domus.clock.advance(2_000);
    // The right password after waiting works, and forgets the account's failures.
    expect((await logIn(domus, home, user.email)).statusCode).toBe(200);
    expect((await logIn(domus, home, user.email, 'typo typo typo')).statusCode).toBe(401);
    expect((await logIn(domus, home, user.email)).statusCode).toBe(200);
  });

  it('locks an account after ten failures, also against the right password, until the lock expires', async () => {
    const home = browser('10.3.0.2');
    const user = await signUpFrom(domus, home);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      domus.clock.advance(minute);
      expect((await logIn(domus, home, user.email, 'guess guess guess')).statusCode).toBe(401);
    }
    const locked = await logIn(domus, home, user.email);
    expect(locked.statusCode).toBe(423);
    expect(locked.json().code).toBe('LOGIN_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBe(15 * 60);
    domus.clock.advance(14 * minute);
    expect((await logIn(domus, home, user.email)).statusCode).toBe(423);
    domus.clock.advance(minute + 1_000);
    expect((await logIn(domus, home, user.email)).statusCode).toBe(200);
    const actions = await auditActions(domus);
    expect(actions).toContain('security.lockout.started');
    expect(actions).toContain('security.login.locked_out');
  });

  it('locks unknown accounts the same way, so a lock-out reveals nothing', async () => {
    const attacker = browser('10.3.0.3');
    for (let attempt = 0; attempt < 10; attempt += 1) {
      domus.clock.advance(minute);
      expect((await logIn(domus, attacker, 'nobody-here@example.test', 'guess guess guess')).statusCode).toBe(401);
    }
    expect((await logIn(domus, attacker, 'nobody-here@example.test', 'guess guess guess')).statusCode).toBe(423);
  });

  it("lets an organization admin list and lift a member's lock-out", async () => {
    const adminBrowser = browser('10.3.0.4');
    await signUpFrom(domus, adminBrowser);
    const organization = await send(domus, adminBrowser, 'POST', '/organizations', { name: 'Lock Homes' });
    const organizationId = organization.json().id as string;
    const agentBrowser = browser('10.3.0.5');
    const agent = await signUpFrom(domus, agentBrowser);
    expect((await send(domus, adminBrowser, 'POST', `/organizations/${organizationId}/members`, { email: agent.email, role: 'agent' })).statusCode).toBe(201);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      domus.clock.advance(minute);
      await logIn(domus, agentBrowser, agent.email, 'wrong wrong wrong');
    }
    const list = await send(domus, adminBrowser, 'GET', `/organizations/${organizationId}/security/lockouts`);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items).toEqual([expect.objectContaining({ kind: 'account', userId: agent.id, email: agent.email, reason: 'failed_attempts_account', failures: 10 })]);
    // The agent's own session from sign-up still works (a lock-out stops log-ins), but agents are not admins.
    expect((await send(domus, agentBrowser, 'GET', `/organizations/${organizationId}/security/lockouts`)).statusCode).toBe(403);

    expect((await send(domus, adminBrowser, 'DELETE', `/organizations/${organizationId}/security/lockouts/${agent.id}`)).statusCode).toBe(204);
    expect((await send(domus, adminBrowser, 'DELETE', `/organizations/${organizationId}/security/lockouts/${agent.id}`)).statusCode).toBe(404);
    expect((await logIn(domus, agentBrowser, agent.email)).statusCode).toBe(200);
    expect(await auditActions(domus)).toContain('security.lockout.lifted');
  });

  it('locks an address that fails against many accounts (credential stuffing)', async () => {
    const attacker = browser('10.3.0.6');
    const victim = await signUpFrom(domus, browser('10.3.0.7'));
    for (let account = 0; account < 20; account += 1) {
      domus.clock.advance(10_000);
      expect((await logIn(domus, attacker, `stuffed${account}@example.test`, 'Password1!')).statusCode).toBe(401);
    }
    const blocked = await logIn(domus, attacker, victim.email);
    expect(blocked.statusCode).toBe(423);
    expect(blocked.json().detail).toContain('network');
    // Another address is unaffected.
    expect((await logIn(domus, browser('10.3.0.8'), victim.email)).statusCode).toBe(200);
  });
});

describe('new passwords', () => {
  it.each([
    ['password123', 'is one of the most common passwords'],
    ['qwertyuiop', 'is one of the most common passwords'],
    ['Password123!', 'with a few characters added'],
    ['iloveyou2026', 'with a few characters added'],
    ['abcabcabcabc', 'repeats a short pattern'],
  ])('refuses %s at sign-up and creates no account', async (candidate, reason) => {
    const email = `weak-${candidate.length}-${Math.random().toString(36).slice(2, 7)}@example.test`;
    const response = await send(domus, browser('10.3.1.1'), 'POST', '/auth/signup', { email, password: candidate, displayName: 'Weak' });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('PASSWORD_TOO_COMMON');
    expect(response.json().errors[0]).toMatchObject({ path: 'password' });
    expect(response.json().errors[0].message).toContain(reason);
    expect(await domus.modules.identity.service.findUserByEmail(email)).toBeNull();
  });

  it('accepts an uncommon passphrase', async () => {
    const response = await send(domus, browser('10.3.1.2'), 'POST', '/auth/signup', { email: 'strong@example.test', password: 'plum kettle orbit lantern', displayName: 'Strong' });
    expect(response.statusCode, response.body).toBe(201);
  });
});

describe('API-key rate limits by plan', () => {
  it('holds a key to its per-minute limit and resets with the next window', async () => {
    const home = browser('10.3.2.1');
    await signUpFrom(domus, home);
    const organizationId = (await send(domus, home, 'POST', '/organizations', { name: 'Key Homes' })).json().id as string;
    const policy = await send(domus, home, 'GET', `/organizations/${organizationId}/security/policy`);
    expect(policy.json()).toMatchObject({ plan: 'basic', apiKeyRequestsPerMinute: 120, planDefault: true });
    const pro = await send(domus, home, 'PUT', `/organizations/${organizationId}/security/policy`, { plan: 'pro' });
    expect(pro.json()).toMatchObject({ plan: 'pro', apiKeyRequestsPerMinute: 1200 });
    expect((await send(domus, home, 'PUT', `/organizations/${organizationId}/security/policy`, { apiKeyRequestsPerMinute: 3 })).json().apiKeyRequestsPerMinute).toBe(3);
    expect((await send(domus, home, 'PUT', `/organizations/${organizationId}/security/policy`, { plan: 'platinum' })).statusCode).toBe(400);

    const owner = { cookie: [...home.jar].map(([name, value]) => `${name}=${value}`).join('; ') };
    const key = await createApiKey(domus, owner, organizationId, ['listings:read']);
    domus.clock.set(new Date(Math.ceil(domus.clock.now().getTime() / minute) * minute));
    for (let request = 1; request <= 3; request += 1) {
      const response = await call(domus, asKey(key), 'GET', `/organizations/${organizationId}`);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['x-ratelimit-remaining']).toBe(String(3 - request));
    }
    const limited = await call(domus, asKey(key), 'GET', `/organizations/${organizationId}`);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'API_KEY_RATE_LIMITED', plan: 'pro', limit: 3 });
    expect(limited.headers['retry-after']).toBe('60');
    // Session callers are not counted against the key.
    expect((await send(domus, home, 'GET', `/organizations/${organizationId}`)).statusCode).toBe(200);
    domus.clock.advance(minute);
    expect((await call(domus, asKey(key), 'GET', `/organizations/${organizationId}`)).statusCode).toBe(200);
  });
});

void password;
