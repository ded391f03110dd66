import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, call, expectProblem, type Caller } from '../../../../test/support/api-client';
import { createTestDomus, signUp, type SignedInUser, type TestDomus } from '../../../../test/support/harness';
import { SoftwareAuthenticator } from '../../../../test/support/webauthn-authenticator';
import { auditActions, browserOf, cookieOf, logIn, stepUpWithPassword } from './mfa.test-support';

// PUBLIC_URL decides the relying party: RP ID "domus.test", origin "https://domus.test".
const origin = 'https://domus.test';
let domus: TestDomus;
beforeAll(async () => {
  domus = await createTestDomus({ config: { PUBLIC_URL: origin } });
});
afterAll(async () => {
  await domus.close();
});

async function registerPasskey(user: SignedInUser, authenticator: SoftwareAuthenticator) {
  await stepUpWithPassword(domus, asUser(user));
  const options = (await call(domus, asUser(user), 'POST', '/security/passkeys/registration/options')).json();
  expect(options).toMatchObject({ rp: { id: 'domus.test', name: 'Domus' }, authenticatorSelection: { userVerification: 'required' } });
  const registered = await call(domus, asUser(user), 'POST', '/security/passkeys/registration', { response: authenticator.register(options), label: 'Laptop' });
  expect(registered.statusCode, registered.body).toBe(201);
  return registered.json();
}

async function assertionOptions(caller: Caller, purpose: string, mfaToken?: string) {
  const response = await call(domus, caller, 'POST', '/security/passkeys/authentication/options', { purpose, ...(mfaToken ? { mfaToken } : {}) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('passkeys (WebAuthn)', () => {
  it('round trip: registers with a software authenticator, then serves as second factor and for passwordless log-in', async () => {
    const user = await signUp(domus, 'Passkey');
    const authenticator = new SoftwareAuthenticator(origin);
    const registered = await registerPasskey(user, authenticator);
    expect(registered.factor).toMatchObject({ kind: 'passkey', label: 'Laptop', status: 'active' });
    expect(registered.recoveryCodes).toHaveLength(10);

    // Second factor after the password.
    const login = await logIn(domus, user.email);
    expect(login.json()).toMatchObject({ status: 'mfa_required', methods: expect.arrayContaining(['passkey']) });
    const browser = browserOf(login);
    const options = await assertionOptions(browser, 'second_factor', login.json().mfaToken);
    expect(options.allowCredentials).toHaveLength(1);
    const verified = await call(domus, browser, 'POST', '/security/mfa/verify', { mfaToken: login.json().mfaToken, webauthn: authenticator.authenticate(options) });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toMatchObject({ user: { id: user.id }, method: 'passkey' });
    expect((await call(domus, { headers: { cookie: cookieOf(login, verified) } }, 'GET', '/auth/me')).statusCode).toBe(200);

    // Passwordless: the browser offers any discoverable passkey; the signature names the account.
    const loginOptions = await assertionOptions({ headers: {} }, 'login');
    expect(loginOptions.allowCredentials ?? []).toHaveLength(0);
    const passwordless = await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response: authenticator.authenticate(loginOptions) });
    expect(passwordless.statusCode, passwordless.body).toBe(200);
    expect(passwordless.json()).toMatchObject({ user: { id: user.id }, method: 'passkey' });
    const session = { headers: { cookie: cookieOf(passwordless) } };
    expect((await call(domus, session, 'GET', '/auth/me')).json().user.id).toBe(user.id);
    // Bound to the browser's device like a password log-in: the session cookie alone is useless.
    const device = passwordless.cookies.find((cookie) => cookie.name === 'domus_device');
    expect(device?.value).toMatch(/^[0-9a-f-]{36}\./);
    const sessionOnly = passwordless.cookies.find((cookie) => cookie.name === 'domus_session')!;
    expect((await call(domus, { headers: { cookie: `domus_session=${sessionOnly.value}` } }, 'GET', '/auth/me')).statusCode).toBe(401);
    const devices = (await call(domus, session, 'GET', '/me/devices')).json().items as Array<{ id: string; current: boolean }>;
    expect(devices.find((item) => item.current)?.id).toBe(device?.value.split('.')[0]);
    // A passkey log-in is MFA: the session may change factors without another prompt.
    expect((await call(domus, session, 'POST', '/security/mfa/recovery-codes')).statusCode).toBe(201);

    // Step-up of an existing session with the passkey.
    domus.clock.advance(10 * 60_000);
    expectProblem(await call(domus, session, 'POST', '/security/mfa/recovery-codes'), 401, 'REAUTHENTICATION_REQUIRED');
    const stepUp = await call(domus, session, 'POST', '/security/step-up', { webauthn: authenticator.authenticate(await assertionOptions(session, 'step_up')) });
    expect(stepUp.statusCode, stepUp.body).toBe(200);
    expect(stepUp.json()).toMatchObject({ method: 'passkey', mfaVerifiedAt: domus.clock.now().toISOString() });
    expect((await call(domus, session, 'POST', '/security/mfa/recovery-codes')).statusCode).toBe(201);

    expect(await auditActions(domus, user.id)).toEqual(
      expect.arrayContaining(['security.mfa.factor.enrolled:success', 'security.mfa.second_factor.verify:success', 'security.mfa.step_up:success', 'security.login.succeeded:success']),
    );
  });

  it('refuses a replayed response, a stale challenge and another account\'s challenge', async () => {
    const user = await signUp(domus, 'Replay');
    const authenticator = new SoftwareAuthenticator(origin);
    await registerPasskey(user, authenticator);

    const options = await assertionOptions({ headers: {} }, 'login');
    const response = authenticator.authenticate(options);
    expect((await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response })).statusCode).toBe(200);
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response }), 400, 'WEBAUTHN_CHALLENGE_USED');

    const stale = await assertionOptions({ headers: {} }, 'login');
    domus.clock.advance(5 * 60_000 + 1_000);
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response: authenticator.authenticate(stale) }), 400, 'WEBAUTHN_CHALLENGE_EXPIRED');

    // A challenge this server never issued.
    const forged = authenticator.authenticate(await assertionOptions({ headers: {} }, 'login'), { challenge: 'bm90LWlzc3VlZC1ieS10aGUtc2VydmVy' });
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response: forged }), 400, 'WEBAUTHN_CHALLENGE_UNKNOWN');

    // A registration challenge issued to another account.
    const other = await signUp(domus, 'Other');
    await stepUpWithPassword(domus, asUser(other));
    const otherOptions = (await call(domus, asUser(other), 'POST', '/security/passkeys/registration/options')).json();
    const attacker = await signUp(domus, 'Attacker');
    await stepUpWithPassword(domus, asUser(attacker));
    const hijack = await call(domus, asUser(attacker), 'POST', '/security/passkeys/registration', { response: new SoftwareAuthenticator(origin).register(otherOptions) });
    expectProblem(hijack, 400, 'WEBAUTHN_CHALLENGE_UNKNOWN');
  });

  it('refuses responses made for another origin (phishing) at registration and at log-in, and audits them', async () => {
    const user = await signUp(domus, 'Phished');
    await stepUpWithPassword(domus, asUser(user));
    const phishing = new SoftwareAuthenticator('https://domus-login.example');
    const options = (await call(domus, asUser(user), 'POST', '/security/passkeys/registration/options')).json();
    const refused = await call(domus, asUser(user), 'POST', '/security/passkeys/registration', { response: phishing.register(options) });
    expectProblem(refused, 400, 'WEBAUTHN_VERIFICATION_FAILED');
    expect(refused.json().detail).toContain('origin');
    expect(await auditActions(domus, user.id)).toContain('security.mfa.passkey.register:failure');

    const authenticator = new SoftwareAuthenticator(origin);
    await registerPasskey(user, authenticator);
    authenticator.origin = 'https://domus-login.example';
    const login = await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response: authenticator.authenticate(await assertionOptions({ headers: {} }, 'login')) });
    expectProblem(login, 400, 'WEBAUTHN_VERIFICATION_FAILED');
  });

  it('refuses an unregistered passkey, and malformed responses with 4xx', async () => {
    const stranger = new SoftwareAuthenticator(origin);
    const user = await signUp(domus, 'Stranger');
    await stepUpWithPassword(domus, asUser(user));
    stranger.register((await call(domus, asUser(user), 'POST', '/security/passkeys/registration/options')).json()); // never sent to the server
    const unknown = await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response: stranger.authenticate(await assertionOptions({ headers: {} }, 'login'), { credential: stranger.credentials[0] }) });
    expectProblem(unknown, 401, 'PASSKEY_UNKNOWN');

    const options = await assertionOptions({ headers: {} }, 'login');
    const good = stranger.authenticate(options, { credential: stranger.credentials[0] });
    const notJson = { ...good, response: { ...good.response, clientDataJSON: 'bm90IGpzb24' } };
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response: notJson }), 400, 'WEBAUTHN_RESPONSE_MALFORMED');
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response: { id: 'x' } }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response: { ...good, type: 'password' } }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/passkeys/authentication/options', { purpose: 'second_factor' }), 400, 'VALIDATION_FAILED', 'mfaToken');
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/passkeys/authentication/options', { purpose: 'step_up' }), 401, 'UNAUTHENTICATED');
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/passkeys/authentication/options', { purpose: 'second_factor', mfaToken: 'y'.repeat(43) }), 401, 'MFA_TOKEN_INVALID');
  });

  it('checks the signature of a registered passkey', async () => {
    const user = await signUp(domus, 'Signature');
    const authenticator = new SoftwareAuthenticator(origin);
    await registerPasskey(user, authenticator);
    const good = authenticator.authenticate(await assertionOptions({ headers: {} }, 'login'));
    const tampered = { ...good, response: { ...good.response, signature: good.response.signature.slice(0, -4) + 'AAAA' } };
    const refused = await call(domus, { headers: {} }, 'POST', '/security/passkeys/login', { response: tampered });
    expectProblem(refused, 400, 'WEBAUTHN_VERIFICATION_FAILED');
  });
});
