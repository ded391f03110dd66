import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDomus, type TestDomus } from '../../../../test/support/harness';
import { SoftwareAuthenticator } from '../../../../test/support/webauthn-authenticator';
import { auditActions, browser, password, places, send, signUpFrom, type Browser } from './risk.test-support';

/** Passwordless passkey log-ins meet the same risk wall as password log-ins (docs/security.md). */
const origin = 'https://domus.test';
let domus: TestDomus;
beforeAll(async () => {
  domus = await createTestDomus({ clockStart: '2026-03-02T09:00:00.000Z', config: { PUBLIC_URL: origin } });
});
afterAll(async () => {
  await domus?.close();
});

async function passkeyLogIn(from: Browser, authenticator: SoftwareAuthenticator) {
  const options = await send(domus, from, 'POST', '/security/passkeys/authentication/options', { purpose: 'login' });
  expect(options.statusCode, options.body).toBe(200);
  return send(domus, from, 'POST', '/security/passkeys/login', { response: authenticator.authenticate(options.json()) });
}

describe('risk at passkey log-in', () => {
  it('refuses a passkey used from the other side of the world an hour later, and lets the usual place in', async () => {
    const home = browser(places.amsterdam);
    const user = await signUpFrom(domus, home);
    expect((await send(domus, home, 'POST', '/security/step-up', { password })).statusCode).toBe(200);
    const authenticator = new SoftwareAuthenticator(origin);
    const options = await send(domus, home, 'POST', '/security/passkeys/registration/options');
    const registered = await send(domus, home, 'POST', '/security/passkeys/registration', { response: authenticator.register(options.json()), label: 'Laptop' });
    expect(registered.statusCode, registered.body).toBe(201);

    domus.clock.advance(3_600_000);
    const far = browser(places.sydney);
    const refused = await passkeyLogIn(far, authenticator);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'LOGIN_DENIED', reasons: expect.arrayContaining(['impossible_travel']) });
    expect(refused.cookies.find((cookie) => cookie.name === 'domus_session')).toBeUndefined();
    expect(await auditActions(domus)).toContain('security.login.denied');

    const usual = await passkeyLogIn(home, authenticator);
    expect(usual.statusCode, usual.body).toBe(200);
    expect(usual.json()).toMatchObject({ user: { id: user.id }, method: 'passkey' });
  });
});
