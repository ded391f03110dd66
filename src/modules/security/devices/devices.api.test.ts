import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDomus, type TestDomus } from '../../../../test/support/harness';
import { auditActions, browser, logIn, places, send, signUpFrom } from '../risk/risk.test-support';

let domus: TestDomus;
beforeAll(async () => {
  domus = await createTestDomus();
});
afterAll(async () => {
  await domus?.close();
});

describe('devices', () => {
  it('sets a signed, httpOnly, SameSite=Lax device cookie and records the client signals', async () => {
    const laptop = browser(places.amsterdam);
    const signals = JSON.stringify({ platform: 'Linux x86_64', screen: '1920x1080@2x', timezone: 'Europe/Amsterdam', language: 'nl-NL' });
    const response = await send(domus, laptop, 'POST', '/auth/signup', { email: 'devices@example.test', password: 'a long enough password', displayName: 'D' }, { 'x-domus-device': signals });
    expect(response.statusCode, response.body).toBe(201);
    const cookie = response.cookies.find((item) => item.name === 'domus_device');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie?.secure).toBeFalsy();
    expect(cookie?.value).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);

    const list = await send(domus, laptop, 'GET', '/me/devices');
    expect(list.statusCode, list.body).toBe(200);
    const [device] = list.json().items;
    expect(list.json().items).toHaveLength(1);
    expect(device).toMatchObject({
      label: 'Firefox on Linux',
      platform: 'Linux x86_64',
      screen: '1920x1080@2x',
      timezone: 'Europe/Amsterdam',
      language: 'nl-NL',
      current: true,
      lastPlace: { ip: places.amsterdam, country: 'NL' },
    });
    expect(device.sessions).toHaveLength(1);
    expect(device.sessions[0].current).toBe(true);
  });

  it('answers a malformed device-signals header with a 400 naming the field', async () => {
    const response = await send(domus, browser('10.1.0.1'), 'POST', '/auth/signup', { email: 'signals@example.test', password: 'a long enough password', displayName: 'S' }, {
      'x-domus-device': JSON.stringify({ screen: 'huge' }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('DEVICE_SIGNALS_INVALID');
    expect(response.json().errors[0].path).toBe('header.x-domus-device.screen');
    const garbage = await send(domus, browser('10.1.0.1'), 'POST', '/auth/signup', { email: 'signals@example.test', password: 'a long enough password', displayName: 'S' }, { 'x-domus-device': '{not json' });
    expect(garbage.statusCode).toBe(400);
  });

  it('binds a session to its device: without the cookie, with another device’s or with a tampered one it is rejected', async () => {
    const phone = browser('10.1.0.2');
    await signUpFrom(domus, phone);
    expect((await send(domus, phone, 'GET', '/auth/me')).statusCode).toBe(200);

    const session = phone.jar.get('domus_session') as string;
    const device = phone.jar.get('domus_device') as string;
    const bare = await domus.app.inject({ url: '/api/v1/auth/me', headers: { cookie: `domus_session=${session}` } });
    expect(bare.statusCode).toBe(401);

    const other = browser('10.1.0.3');
    await signUpFrom(domus, other);
    const foreign = await domus.app.inject({ url: '/api/v1/auth/me', headers: { cookie: `domus_session=${session}; domus_device=${other.jar.get('domus_device')}` } });
    expect(foreign.statusCode).toBe(401);

    const [id, signature] = device.split('.') as [string, string];
    const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
    for (const forged of [`${id}.${flipped}`, `${id}`, `00000000-0000-4000-8000-000000000000.${signature}`, 'x'.repeat(500), '%00%27;DROP TABLE sessions;--']) {
      const response = await domus.app.inject({ url: '/api/v1/auth/me', headers: { cookie: `domus_session=${session}; domus_device=${forged}` } });
      expect(response.statusCode, forged).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    expect(await auditActions(domus)).toContain('security.session.device_mismatch');
  });

  it('records a stolen session cookie replayed without its device once a minute, not once a request', async () => {
    const victim = browser('10.1.0.10');
    const user = await signUpFrom(domus, victim);
    const attacker = browser('10.1.0.11');
    await signUpFrom(domus, attacker);
    const replay = () =>
      domus.app.inject({ url: '/api/v1/auth/me', remoteAddress: attacker.ip, headers: { cookie: `domus_session=${victim.jar.get('domus_session')}; domus_device=${attacker.jar.get('domus_device')}` } });
    const mismatches = async () => (await domus.platform.audit.entriesForActor({ type: 'user', id: user.id })).filter((entry) => entry.action === 'security.session.device_mismatch').length;
    // Entries are written without holding up the request: wait for the first, then for a marker written after the flood.
    const settle = async (expected: number) => {
      await domus.platform.audit.record({ action: 'test.marker', outcome: 'success', actor: { type: 'user', id: user.id } });
      for (let tries = 0; tries < 100 && (await mismatches()) < expected; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      return mismatches();
    };
    for (let attempt = 0; attempt < 25; attempt += 1) expect((await replay()).statusCode).toBe(401);
    expect(await settle(1)).toBe(1);
    domus.clock.advance(61_000);
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await replay()).statusCode).toBe(401);
    expect(await settle(2)).toBe(2);
    // The victim's own browser is unaffected.
    expect((await send(domus, victim, 'GET', '/auth/me')).statusCode).toBe(200);
  });

  it('ignores a tampered device cookie at log-in, records it and issues a fresh device', async () => {
    const laptop = browser('10.1.0.4');
    const user = await signUpFrom(domus, laptop);
    const original = laptop.jar.get('domus_device') as string;
    laptop.jar.set('domus_device', original.replace(/.$/, (last) => (last === 'x' ? 'y' : 'x')));
    const response = await logIn(domus, laptop, user.email);
    expect(response.statusCode, response.body).toBe(200);
    const fresh = laptop.jar.get('domus_device') as string;
    expect(fresh.split('.')[0]).not.toBe(original.split('.')[0]);
    expect((await send(domus, laptop, 'GET', '/auth/me')).statusCode).toBe(200);
    expect(await auditActions(domus)).toContain('security.device.cookie_rejected');
  });

  it('recognises a returning device and revokes a device, ending its sessions', async () => {
    const laptop = browser('10.1.0.5');
    const user = await signUpFrom(domus, laptop);
    const laptopDevice = (laptop.jar.get('domus_device') as string).split('.')[0];
    expect((await logIn(domus, laptop, user.email)).statusCode).toBe(200);
    expect((laptop.jar.get('domus_device') as string).split('.')[0]).toBe(laptopDevice);

    const tablet = browser('10.1.0.6', 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1');
    expect((await logIn(domus, tablet, user.email)).statusCode).toBe(200);
    const devices = (await send(domus, tablet, 'GET', '/me/devices')).json().items as Array<{ id: string; label: string; current: boolean; sessions: unknown[] }>;
    expect(devices.map((device) => device.label).sort()).toEqual(['Firefox on Linux', 'Safari on iOS']);
    expect(devices.find((device) => device.id === laptopDevice)?.sessions).toHaveLength(2);

    const revoke = await send(domus, tablet, 'DELETE', `/me/devices/${laptopDevice}`);
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect(revoke.json().endedSessions).toBe(2);
    expect((await send(domus, laptop, 'GET', '/auth/me')).statusCode).toBe(401);
    expect((await send(domus, tablet, 'GET', '/auth/me')).statusCode).toBe(200);
    expect((await send(domus, tablet, 'DELETE', `/me/devices/${laptopDevice}`)).statusCode).toBe(404);
    expect((await send(domus, tablet, 'DELETE', '/me/devices/not-a-uuid')).statusCode).toBe(400);
    expect(await auditActions(domus)).toContain('security.device.revoked');

    // The revoked browser logs in again as a new device.
    expect((await logIn(domus, laptop, user.email)).statusCode).toBe(200);
    expect((laptop.jar.get('domus_device') as string).split('.')[0]).not.toBe(laptopDevice);
  });

  it("ends one session, and not someone else's", async () => {
    const first = browser('10.1.0.7');
    const user = await signUpFrom(domus, first);
    const second = browser('10.1.0.8');
    expect((await logIn(domus, second, user.email)).statusCode).toBe(200);
    const devices = (await send(domus, second, 'GET', '/me/devices')).json().items as Array<{ current: boolean; sessions: Array<{ id: string }> }>;
    const firstSession = devices.find((device) => !device.current)?.sessions[0]?.id as string;
    const stranger = browser('10.1.0.9');
    await signUpFrom(domus, stranger);
    expect((await send(domus, stranger, 'DELETE', `/me/sessions/${firstSession}`)).statusCode).toBe(404);
    expect((await send(domus, second, 'DELETE', `/me/sessions/${firstSession}`)).statusCode).toBe(204);
    expect((await send(domus, first, 'GET', '/auth/me')).statusCode).toBe(401);
  });
});
