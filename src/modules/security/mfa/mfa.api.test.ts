import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, call, expectProblem } from '../../../../test/support/api-client';
import { createTestDomus, signUp, type TestDomus } from '../../../../test/support/harness';
import { auditActions, browserOf, codeAt, cookieOf, enrolTotp, logIn, password, stepUpWithPassword } from './mfa.test-support';

let domus: TestDomus;
beforeAll(async () => {
  domus = await createTestDomus();
});
afterAll(async () => {
  await domus.close();
});

describe('TOTP enrolment', () => {
  it('needs fresh authentication: the password for an account without factors', async () => {
    const user = await signUp(domus, 'Fresh');
    const before = await call(domus, asUser(user), 'POST', '/security/mfa/totp', {});
    expectProblem(before, 401, 'REAUTHENTICATION_REQUIRED');
    expect(before.json().stepUp).toEqual({ methods: ['password'], maxAgeSeconds: 300 });
    expect(before.headers['www-authenticate']).toBe('DomusStepUp max_age=300');

    expectProblem(await call(domus, asUser(user), 'POST', '/security/step-up', { password: 'not my password' }), 401, 'PASSWORD_INCORRECT', 'password');
    await stepUpWithPassword(domus, asUser(user));
    const started = await call(domus, asUser(user), 'POST', '/security/mfa/totp', {});
    expect(started.statusCode, started.body).toBe(201);
    expect(started.headers['cache-control']).toBe('no-store');
    const enrolment = started.json();
    expect(enrolment.otpauthUri).toMatch(/^otpauth:\/\/totp\/Domus:/);
    expect(new URL(enrolment.otpauthUri).searchParams.get('secret')).toBe(enrolment.secret);
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes for SHA-1

    // Five minutes later the password no longer counts.
    domus.clock.advance(301_000);
    expectProblem(await call(domus, asUser(user), 'POST', '/security/mfa/totp', {}), 401, 'REAUTHENTICATION_REQUIRED');
  });

  it('stores the seed encrypted, confirms with the first valid code, issues 10 recovery codes and ends other sessions', async () => {
    const user = await signUp(domus, 'Enrol');
    const otherSession = cookieOf(await logIn(domus, user.email));
    expect((await call(domus, { headers: { cookie: otherSession } }, 'GET', '/auth/me')).statusCode).toBe(200);

    await stepUpWithPassword(domus, asUser(user));
    const started = (await call(domus, asUser(user), 'POST', '/security/mfa/totp', { label: 'Phone', algorithm: 'sha256' })).json();
    expect(started.secret).toMatch(/^[A-Z2-7]{52}$/); // 32 bytes for SHA-256
    const row = await domus.platform.db
      .withTables<{ security_mfa_factors: { id: string; totp_secret: string } }>()
      .selectFrom('security_mfa_factors')
      .select('totp_secret')
      .where('id', '=', started.factorId)
      .executeTakeFirstOrThrow();
    expect(row.totp_secret).toMatch(/^v1\./);
    expect(row.totp_secret).not.toContain(started.secret);

    const wrong = await call(domus, asUser(user), 'POST', `/security/mfa/totp/${started.factorId}/confirm`, { code: '000000' });
    expectProblem(wrong, 401, 'MFA_CODE_INVALID', 'code');
    expectProblem(await call(domus, asUser(user), 'POST', `/security/mfa/totp/${started.factorId}/confirm`, { code: '12ab' }), 400, 'VALIDATION_FAILED', 'code');

    const confirmed = await call(domus, asUser(user), 'POST', `/security/mfa/totp/${started.factorId}/confirm`, { code: await codeAt(started.secret, domus.clock.now(), 'sha256') });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const body = confirmed.json();
    expect(body.factor).toMatchObject({ kind: 'totp', label: 'Phone', status: 'active', algorithm: 'sha256' });
    expect(body.recoveryCodes).toHaveLength(10);
    expect(body.endedSessions).toBe(1);
    expect((await call(domus, { headers: { cookie: otherSession } }, 'GET', '/auth/me')).statusCode).toBe(401);
    expect((await call(domus, asUser(user), 'GET', '/auth/me')).statusCode).toBe(200);

    const overview = (await call(domus, asUser(user), 'GET', '/security/mfa')).json();
    expect(overview.methods.sort()).toEqual(['recovery_code', 'totp']);
    expect(overview.recoveryCodes).toEqual({ total: 10, unused: 10 });
    expect(await auditActions(domus, user.id)).toEqual(
      expect.arrayContaining(['security.mfa.totp.enrolment_started:success', 'security.mfa.totp.confirm:failure', 'security.mfa.factor.enrolled:success']),
    );
    expectProblem(await call(domus, asUser(user), 'POST', `/security/mfa/totp/${started.factorId}/confirm`, { code: '123456' }), 409, 'FACTOR_ALREADY_CONFIRMED');
  });

  it('refuses a confirmation after the enrolment expired', async () => {
    const user = await signUp(domus, 'Slow');
    await stepUpWithPassword(domus, asUser(user));
    const started = (await call(domus, asUser(user), 'POST', '/security/mfa/totp', {})).json();
    domus.clock.advance(11 * 60_000);
    const late = await call(domus, asUser(user), 'POST', `/security/mfa/totp/${started.factorId}/confirm`, { code: await codeAt(started.secret, domus.clock.now()) });
    expectProblem(late, 410, 'ENROLMENT_EXPIRED');
  });
});

describe('log-in with a second factor', () => {
  it('answers mfa_required, refuses replayed and expired codes (audited), then opens an MFA-verified session', async () => {
    const user = await signUp(domus, 'Second');
    await stepUpWithPassword(domus, asUser(user));
    const { secret } = await enrolTotp(domus, asUser(user));

    const first = await logIn(domus, user.email);
    expect(first.statusCode, first.body).toBe(200);
    const pending = first.json();
    expect(pending).toMatchObject({ status: 'mfa_required', methods: expect.arrayContaining(['totp', 'recovery_code']) });
    expect(first.cookies.find((cookie) => cookie.name === 'domus_session')).toBeUndefined();

    // The code that confirmed the enrolment was used: same time step → replay.
    const browser = browserOf(first);
    const replay = await call(domus, browser, 'POST', '/security/mfa/verify', { mfaToken: pending.mfaToken, totpCode: await codeAt(secret, domus.clock.now()) });
    expectProblem(replay, 401, 'TOTP_CODE_REPLAYED', 'totpCode');
    expect(await auditActions(domus, user.id)).toContain('security.mfa.totp.replayed:denied');

    domus.clock.advance(30_000);
    const expired = await codeAt(secret, new Date(domus.clock.now().getTime() - 90_000));
    expectProblem(await call(domus, browser, 'POST', '/security/mfa/verify', { mfaToken: pending.mfaToken, totpCode: expired }), 401, 'MFA_CODE_INVALID');

    // The enrolment's step is now the previous one, inside the ±1 window: still a replay.
    expectProblem(await call(domus, browser, 'POST', '/security/mfa/verify', { mfaToken: pending.mfaToken, totpCode: await codeAt(secret, new Date(domus.clock.now().getTime() - 30_000)) }), 401, 'TOTP_CODE_REPLAYED');
    const verified = await call(domus, browser, 'POST', '/security/mfa/verify', { mfaToken: pending.mfaToken, totpCode: await codeAt(secret, domus.clock.now()) });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toMatchObject({ user: { id: user.id }, method: 'totp' });
    const session = { headers: { cookie: cookieOf(first, verified) } };
    expect((await call(domus, session, 'GET', '/auth/me')).statusCode).toBe(200);

    // The token is single use.
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/mfa/verify', { mfaToken: pending.mfaToken, totpCode: '123456' }), 401, 'MFA_TOKEN_INVALID');
    // The fresh MFA counts as fresh authentication: a new recovery-code set needs no extra prompt.
    expect((await call(domus, session, 'POST', '/security/mfa/recovery-codes')).statusCode).toBe(201);
    expect(await auditActions(domus, user.id)).toEqual(expect.arrayContaining(['security.mfa.second_factor.verify:failure', 'security.mfa.second_factor.verify:success', 'security.login.succeeded:success']));
  });

  it('accepts a recovery code once, and a regenerated set replaces the old one', async () => {
    const user = await signUp(domus, 'Recovery');
    await stepUpWithPassword(domus, asUser(user));
    const { recoveryCodes } = await enrolTotp(domus, asUser(user));
    const [firstCode, secondCode] = recoveryCodes as [string, string];

    const login = await logIn(domus, user.email);
    const token = login.json().mfaToken;
    const verified = await call(domus, browserOf(login), 'POST', '/security/mfa/verify', { mfaToken: token, recoveryCode: firstCode.toUpperCase() });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json().method).toBe('recovery_code');

    const again = (await logIn(domus, user.email)).json().mfaToken;
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/mfa/verify', { mfaToken: again, recoveryCode: firstCode }), 401, 'RECOVERY_CODE_INVALID', 'recoveryCode');

    const session = { headers: { cookie: cookieOf(login, verified) } };
    const regenerated = await call(domus, session, 'POST', '/security/mfa/recovery-codes');
    expect(regenerated.statusCode, regenerated.body).toBe(201);
    expect(regenerated.json().recoveryCodes).toHaveLength(10);
    expectProblem(await call(domus, { headers: {} }, 'POST', '/security/mfa/verify', { mfaToken: again, recoveryCode: secondCode }), 401, 'RECOVERY_CODE_INVALID');
    const fresh = await call(domus, { headers: {} }, 'POST', '/security/mfa/verify', { mfaToken: again, recoveryCode: regenerated.json().recoveryCodes[3] });
    expect(fresh.statusCode, fresh.body).toBe(200);
  });

  it('kills the log-in step after five wrong codes', async () => {
    const user = await signUp(domus, 'Guess');
    await stepUpWithPassword(domus, asUser(user));
    const { secret } = await enrolTotp(domus, asUser(user));
    domus.clock.advance(30_000);
    const token = (await logIn(domus, user.email)).json().mfaToken;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expectProblem(await call(domus, { headers: {} }, 'POST', '/security/mfa/verify', { mfaToken: token, totpCode: '000000' }), 401, 'MFA_CODE_INVALID');
    }
    const right = await call(domus, { headers: {} }, 'POST', '/security/mfa/verify', { mfaToken: token, totpCode: await codeAt(secret, domus.clock.now()) });
    expectProblem(right, 401, 'MFA_TOKEN_INVALID');
  });

  it('answers malformed bodies and unknown tokens with 4xx problems', async () => {
    const anonymous = { headers: {} };
    const token = 'x'.repeat(43);
    expectProblem(await call(domus, anonymous, 'POST', '/security/mfa/verify', { mfaToken: token }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(domus, anonymous, 'POST', '/security/mfa/verify', { mfaToken: token, totpCode: '123456', recoveryCode: 'ab12c-de34f' }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(domus, anonymous, 'POST', '/security/mfa/verify', { mfaToken: token, totpCode: "1' OR '1'='1" }), 400, 'VALIDATION_FAILED', 'totpCode');
    expectProblem(await call(domus, anonymous, 'POST', '/security/mfa/verify', { mfaToken: token, totpCode: '123456' }), 401, 'MFA_TOKEN_INVALID');
    expectProblem(await call(domus, anonymous, 'POST', '/security/mfa/verify', { mfaToken: token, webauthn: { id: 'a' } }), 400, 'VALIDATION_FAILED');
    const notJson = await domus.app.inject({ method: 'POST', url: '/api/v1/security/mfa/verify', headers: { 'content-type': 'application/json' }, payload: '{"mfaToken":' });
    expectProblem(notJson, 400, 'MALFORMED_JSON');
    expectProblem(await call(domus, anonymous, 'GET', '/security/mfa'), 401, 'UNAUTHENTICATED');
    expectProblem(await call(domus, anonymous, 'POST', '/security/step-up', { password }), 401, 'UNAUTHENTICATED');
  });
});

describe('removing a factor', () => {
  it('needs a factor (not the password) once one exists, ends other sessions, and turns MFA off with the last factor', async () => {
    const user = await signUp(domus, 'Remove');
    await stepUpWithPassword(domus, asUser(user));
    const { factorId, secret } = await enrolTotp(domus, asUser(user));
    domus.clock.advance(6 * 60_000);

    const refused = await call(domus, asUser(user), 'DELETE', `/security/mfa/factors/${factorId}`);
    expectProblem(refused, 401, 'REAUTHENTICATION_REQUIRED');
    expect(refused.json().stepUp.methods.sort()).toEqual(['recovery_code', 'totp']);
    expectProblem(await call(domus, asUser(user), 'POST', '/security/step-up', { password }), 401, 'REAUTHENTICATION_REQUIRED');

    const stepUp = await call(domus, asUser(user), 'POST', '/security/step-up', { totpCode: await codeAt(secret, domus.clock.now()) });
    expect(stepUp.statusCode, stepUp.body).toBe(200);
    expect(stepUp.json()).toMatchObject({ method: 'totp', mfaVerifiedAt: domus.clock.now().toISOString() });

    const otherLogIn = await logIn(domus, user.email);
    const other = await call(domus, browserOf(otherLogIn), 'POST', '/security/mfa/verify', {
      mfaToken: otherLogIn.json().mfaToken,
      recoveryCode: (await call(domus, asUser(user), 'POST', '/security/mfa/recovery-codes')).json().recoveryCodes[0],
    });
    expect(other.statusCode, other.body).toBe(200);

    expectProblem(await call(domus, asUser(user), 'DELETE', '/security/mfa/factors/00000000-0000-4000-8000-000000000000'), 404, 'FACTOR_NOT_FOUND');
    const removed = await call(domus, asUser(user), 'DELETE', `/security/mfa/factors/${factorId}`);
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().endedSessions).toBe(1);
    expect((await call(domus, { headers: { cookie: cookieOf(otherLogIn, other) } }, 'GET', '/auth/me')).statusCode).toBe(401);

    const overview = (await call(domus, asUser(user), 'GET', '/security/mfa')).json();
    expect(overview).toMatchObject({ factors: [], methods: [], recoveryCodes: { total: 0, unused: 0 } });
    const plain = await logIn(domus, user.email);
    expect(plain.json().user.id).toBe(user.id);
    expect(await auditActions(domus, user.id)).toContain('security.mfa.factor.removed:success');
  });
});

describe('step-up through the policy gateway', () => {
  it('a route demanding recent MFA names the user\'s factors, and POST /security/step-up satisfies it', async () => {
    const user = await signUp(domus, 'Gateway');
    await stepUpWithPassword(domus, asUser(user));
    const { secret } = await enrolTotp(domus, asUser(user));
    domus.clock.advance(6 * 60_000);

    const refused = await call(domus, asUser(user), 'GET', '/me/data-export');
    expectProblem(refused, 401, 'STEP_UP_REQUIRED');
    expect(refused.json().stepUp.methods.sort()).toEqual(['recovery_code', 'totp']);

    const stepUp = await call(domus, asUser(user), 'POST', '/security/step-up', { totpCode: await codeAt(secret, domus.clock.now()) });
    expect(stepUp.statusCode, stepUp.body).toBe(200);
    const allowed = await call(domus, asUser(user), 'GET', '/me/data-export');
    expect(allowed.statusCode, allowed.body).toBe(200);
  });
});
