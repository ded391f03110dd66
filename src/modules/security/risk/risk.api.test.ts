import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDomus, type TestDomus } from '../../../../test/support/harness';
import { auditActions, browser, logIn, places, send, signUpFrom, type Browser } from './risk.test-support';

/**
 * Risk scenarios over HTTP with the injected clock and real DB-IP geolocation of public
 * addresses. Each scenario reads its verdict from the admins' risky-log-ins view.
 */
let domus: TestDomus;
beforeAll(async () => {
  domus = await createTestDomus({ clockStart: '2026-03-02T09:00:00.000Z' });
});
afterAll(async () => {
  await domus?.close();
});

const hour = 3_600_000;

/** A user with an organization they own, so that they can read their own risky log-ins. */
async function owner(from: Browser) {
  const user = await signUpFrom(domus, from);
  const organization = await send(domus, from, 'POST', '/organizations', { name: 'Risky Homes' });
  expect(organization.statusCode, organization.body).toBe(201);
  return { ...user, organizationId: organization.json().id as string };
}

async function riskyLogIns(from: Browser, organizationId: string, minScore = 0) {
  const response = await send(domus, from, 'GET', `/organizations/${organizationId}/security/risky-logins?minScore=${minScore}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items as Array<{ outcome: string; score: number; reasons: string[]; place: { country: string | null; city: string | null }; deviceId: string | null }>;
}

describe('risk at log-in', () => {
  it('allows a returning device in a known place, and steps up a new device in a new country', async () => {
    const home = browser(places.amsterdam);
    const user = await owner(home);
    domus.clock.advance(24 * hour);
    const usual = await logIn(domus, home, user.email);
    expect(usual.statusCode, usual.body).toBe(200);

    domus.clock.advance(48 * hour);
    const stranger = browser(places.paris);
    const response = await logIn(domus, stranger, user.email);
    expect([200]).toContain(response.statusCode);
    const [latest] = await riskyLogIns(home, user.organizationId);
    expect(latest).toMatchObject({ outcome: 'step_up', score: 60, reasons: ['new_device', 'new_country'], place: { country: 'FR', city: 'Paris' } });

    // The second factor is passed (MFA opens the session with mfaVerifiedAt): Paris becomes known.
    await domus.modules.identity.service.openSession(user.id, {}, { mfaVerifiedAt: domus.clock.now(), deviceId: latest?.deviceId ?? null });
    expect((await riskyLogIns(home, user.organizationId))[0]).toMatchObject({ outcome: 'success', score: 60 });
    domus.clock.advance(24 * hour);
    home.ip = places.paris;
    expect((await logIn(domus, home, user.email)).statusCode).toBe(200);
    expect((await riskyLogIns(home, user.organizationId))[0]).toMatchObject({ outcome: 'success', score: 0, reasons: [] });
    home.ip = places.amsterdam;
  });

  it('denies impossible travel and says why, with an audit entry', async () => {
    const home = browser(places.amsterdam);
    const user = await owner(home);
    domus.clock.advance(1 * hour);
    // Same browser, one hour later, from Sydney: ~16,600 km in an hour.
    home.ip = places.sydney;
    const response = await logIn(domus, home, user.email);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'LOGIN_DENIED', reasons: ['new_country', 'impossible_travel'] });
    expect(response.json().score).toBeGreaterThanOrEqual(90);
    expect(response.cookies.find((cookie) => cookie.name === 'domus_session')).toBeUndefined();
    home.ip = places.amsterdam;
    const [latest] = await riskyLogIns(home, user.organizationId);
    expect(latest).toMatchObject({ outcome: 'denied', place: { country: 'AU' } });
    expect(await auditActions(domus)).toContain('security.login.denied');
  });

  it('follows the organization policy: a stricter one steps up what the default allows', async () => {
    const home = browser(places.amsterdam);
    const user = await owner(home);
    const tightened = await send(domus, home, 'PUT', `/organizations/${user.organizationId}/security/policy`, { stepUpAt: 20, denyAt: 70 });
    expect(tightened.statusCode, tightened.body).toBe(200);
    expect(tightened.json()).toMatchObject({ stepUpAt: 20, denyAt: 70, plan: 'basic' });
    domus.clock.advance(2 * hour);
    const laptop = browser(places.amsterdam);
    expect((await logIn(domus, laptop, user.email)).statusCode).toBe(200);
    const [latest] = await riskyLogIns(home, user.organizationId);
    expect(latest).toMatchObject({ outcome: 'step_up', score: 25, reasons: ['new_device'] });

    const inconsistent = await send(domus, home, 'PUT', `/organizations/${user.organizationId}/security/policy`, { stepUpAt: 80, denyAt: 60 });
    expect(inconsistent.statusCode).toBe(400);
    expect(inconsistent.json().code).toBe('RISK_POLICY_INVALID');
    expect((await send(domus, home, 'PUT', `/organizations/${user.organizationId}/security/policy`, { stepUpAt: 'high' })).statusCode).toBe(400);
    expect((await send(domus, home, 'GET', `/organizations/${user.organizationId}/security/policy`)).json()).toMatchObject({ stepUpAt: 20, denyAt: 70 });
  });

  it('adds failed-attempt velocity to the next log-in', async () => {
    const home = browser(places.amsterdam);
    const user = await owner(home);
    for (let attempt = 0; attempt < 4; attempt += 1) {
      domus.clock.advance(1_000);
      expect((await logIn(domus, home, user.email, 'not the password')).statusCode).toBe(401);
    }
    domus.clock.advance(60_000);
    const response = await logIn(domus, home, user.email);
    expect(response.statusCode).toBe(200);
    const [latest] = await riskyLogIns(home, user.organizationId);
    expect(latest).toMatchObject({ outcome: 'success', reasons: ['failed_attempts_account'], score: 16 });
    const failures = (await riskyLogIns(home, user.organizationId)).filter((event) => event.outcome === 'failed');
    expect(failures).toHaveLength(4);
    expect(await auditActions(domus)).toContain('security.login.failed');
  });

  it('recognises credential stuffing: one address failing against many accounts', async () => {
    const home = browser(places.amsterdam);
    const user = await owner(home);
    const attacker = browser(places.mountainView);
    for (let account = 0; account < 5; account += 1) {
      domus.clock.advance(1_000);
      expect((await logIn(domus, attacker, `victim${account}@example.test`, 'Summer2026!')).statusCode).toBe(401);
    }
    domus.clock.advance(60_000);
    const response = await logIn(domus, attacker, user.email);
    expect(response.statusCode).toBe(403);
    const [latest] = await riskyLogIns(home, user.organizationId);
    expect(latest?.reasons).toEqual(expect.arrayContaining(['credential_stuffing', 'new_device', 'new_country']));
    expect(latest?.outcome).toBe('denied');
  });

  it('flags an unusual hour once the user has a habit', async () => {
    const home = browser(places.amsterdam);
    domus.clock.set('2026-04-01T09:00:00.000Z');
    const user = await owner(home);
    for (let day = 1; day <= 10; day += 1) {
      domus.clock.set(`2026-04-${String(day + 1).padStart(2, '0')}T09:15:00.000Z`);
      expect((await logIn(domus, home, user.email)).statusCode).toBe(200);
    }
    domus.clock.set('2026-04-12T03:00:00.000Z');
    expect((await logIn(domus, home, user.email)).statusCode).toBe(200);
    const [latest] = await riskyLogIns(home, user.organizationId);
    expect(latest).toMatchObject({ reasons: ['unusual_hour'], score: 15, outcome: 'success' });
  });

  it('re-assesses sensitive requests: the same session used from far away a moment later is refused', async () => {
    const home = browser(places.amsterdam);
    const user = await owner(home);
    domus.clock.advance(10 * 60_000);
    expect((await send(domus, home, 'GET', `/organizations/${user.organizationId}/security/policy`)).statusCode).toBe(200);
    // The session cookie and device cookie travel to Sydney ten minutes later (stolen, or a VPN).
    home.ip = places.sydney;
    const sensitive = await send(domus, home, 'PUT', `/organizations/${user.organizationId}/security/policy`, { plan: 'pro' });
    expect(sensitive.statusCode, sensitive.body).toBe(403);
    expect(sensitive.json().code).toBe('RISK_DENIED');
    // A plain read is not re-assessed.
    expect((await send(domus, home, 'GET', `/organizations/${user.organizationId}/security/policy`)).statusCode).toBe(200);
    home.ip = places.amsterdam;
    expect((await send(domus, home, 'PUT', `/organizations/${user.organizationId}/security/policy`, { plan: 'pro' })).statusCode).toBe(200);
  });

  it('shows risky log-ins only to the organization admins', async () => {
    const home = browser(places.amsterdam);
    const user = await owner(home);
    const outsider = browser('10.2.0.1');
    await signUpFrom(domus, outsider);
    expect((await send(domus, outsider, 'GET', `/organizations/${user.organizationId}/security/risky-logins`)).statusCode).toBe(404);
    expect((await send(domus, browser('10.2.0.2'), 'GET', `/organizations/${user.organizationId}/security/risky-logins`)).statusCode).toBe(401);
    expect((await send(domus, home, 'GET', `/organizations/${user.organizationId}/security/risky-logins?minScore=500`)).statusCode).toBe(400);
    expect((await send(domus, home, 'GET', `/organizations/${user.organizationId}/security/risky-logins?cursor=forged.cursor`)).statusCode).toBe(400);
  });
});
