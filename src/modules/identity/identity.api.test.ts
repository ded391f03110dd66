import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, createTestDomus, signUp, type TestDomus } from '../../../test/support/harness';

let domus: TestDomus;
beforeAll(async () => {
  domus = await createTestDomus();
});
afterAll(async () => {
  await domus?.close();
});

describe('sign-up, log-in, log-out', () => {
  it('signs up, reads /auth/me with the session cookie, logs out and is then anonymous', async () => {
    const signUpResponse = await domus.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'Ana@Example.test', password: 'a long enough password', displayName: 'Ana' },
    });
    expect(signUpResponse.statusCode).toBe(201);
    const cookie = signUpResponse.cookies.find((item) => item.name === 'domus_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    const device = signUpResponse.cookies.find((item) => item.name === 'domus_device');
    const header = `domus_session=${cookie?.value}; domus_device=${device?.value}`;

    const me = await domus.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: header } });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.email).toBe('ana@example.test');

    const logout = await domus.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: header } });
    expect(logout.statusCode).toBe(204);
    const after = await domus.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: header } });
    expect(after.statusCode).toBe(401);
    expect(after.headers['content-type']).toContain('application/problem+json');
    expect(after.json().code).toBe('UNAUTHENTICATED');
  });

  it('stores an argon2id hash, never the password', async () => {
    const user = await signUp(domus);
    const row = await domus.modules.identity.service.findUserByEmail(user.email);
    expect(row).not.toBeNull();
    const { sql } = await import('kysely');
    const result = await sql<{ password_hash: string }>`select password_hash from users where id = ${user.id}`.execute(domus.platform.db);
    expect(result.rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });

  it('rejects a wrong password and an unknown email alike', async () => {
    const user = await signUp(domus);
    const wrong = await domus.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: 'not the password' } });
    const unknown = await domus.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.test', password: 'whatever123' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().detail).toBe(unknown.json().detail);
    const good = await domus.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email.toUpperCase(), password: 'correct horse battery staple' } });
    expect(good.statusCode).toBe(200);
  });

  it('refuses a duplicate email with 409 naming the field', async () => {
    const user = await signUp(domus);
    const again = await domus.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email: user.email, password: 'another password 1', displayName: 'X' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0].path).toBe('email');
  });

  it('expires sessions after the configured lifetime', async () => {
    const user = await signUp(domus);
    domus.clock.advance(domus.config.SESSION_TTL_HOURS * 3_600_000 + 1000);
    const me = await domus.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: user.cookie } });
    expect(me.statusCode).toBe(401);
  });
});

describe('organizations, roles and API keys', () => {
  it('makes the creator owner and hides the organization from non-members with 404', async () => {
    const owner = await signUp(domus);
    const stranger = await signUp(domus);
    const orgId = await createOrganization(domus, owner, 'Harbour Homes');
    const mine = await domus.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}`, headers: { cookie: owner.cookie } });
    expect(mine.json().role).toBe('owner');
    for (const url of [`/api/v1/organizations/${orgId}`, `/api/v1/organizations/${orgId}/members`, `/api/v1/organizations/${orgId}/api-keys`]) {
      const response = await domus.app.inject({ method: 'GET', url, headers: { cookie: stranger.cookie } });
      expect(response.statusCode, url).toBe(404);
    }
    const rename = await domus.app.inject({ method: 'PATCH', url: `/api/v1/organizations/${orgId}`, headers: { cookie: stranger.cookie }, payload: { name: 'Mine now' } });
    expect(rename.statusCode).toBe(404);
    const addSelf = await domus.app.inject({ method: 'POST', url: `/api/v1/organizations/${orgId}/members`, headers: { cookie: stranger.cookie }, payload: { email: stranger.email, role: 'owner' } });
    expect(addSelf.statusCode).toBe(404);
  });

  it('enforces roles: viewers read, admins add agents, only owners grant admin, the last owner stays', async () => {
    const owner = await signUp(domus);
    const admin = await signUp(domus);
    const viewer = await signUp(domus);
    const newcomer = await signUp(domus);
    const orgId = await createOrganization(domus, owner);
    const add = (actor: typeof owner, email: string, role: string) =>
      domus.app.inject({ method: 'POST', url: `/api/v1/organizations/${orgId}/members`, headers: { cookie: actor.cookie }, payload: { email, role } });
    expect((await add(owner, admin.email, 'admin')).statusCode).toBe(201);
    expect((await add(owner, viewer.email, 'viewer')).statusCode).toBe(201);
    expect((await add(viewer, newcomer.email, 'agent')).statusCode).toBe(403);
    expect((await add(admin, newcomer.email, 'admin')).statusCode).toBe(403);
    expect((await add(admin, newcomer.email, 'agent')).statusCode).toBe(201);
    expect((await add(admin, newcomer.email, 'agent')).statusCode).toBe(409);

    const members = await domus.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/members`, headers: { cookie: viewer.cookie } });
    expect(members.json().items.map((item: { role: string }) => item.role).sort()).toEqual(['admin', 'agent', 'owner', 'viewer']);

    const demoteOwner = await domus.app.inject({ method: 'PATCH', url: `/api/v1/organizations/${orgId}/members/${owner.id}`, headers: { cookie: owner.cookie }, payload: { role: 'agent' } });
    expect(demoteOwner.statusCode).toBe(409);
    expect(demoteOwner.json().code).toBe('LAST_OWNER');
  });

  it('shows an API key once, stores it hashed, honours scopes and revocation', async () => {
    const owner = await signUp(domus);
    const orgId = await createOrganization(domus, owner);
    const created = await domus.app.inject({
      method: 'POST',
      url: `/api/v1/organizations/${orgId}/api-keys`,
      headers: { cookie: owner.cookie },
      payload: { name: 'feed', scopes: ['listings:read'] },
    });
    expect(created.statusCode).toBe(201);
    const key = created.json().key as string;
    expect(key).toMatch(/^dk_[0-9a-f]{12}_/);
    const listed = await domus.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/api-keys`, headers: { cookie: owner.cookie } });
    expect(JSON.stringify(listed.json())).not.toContain(key.split('_')[2]);

    const asKey = await domus.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}`, headers: { authorization: `Bearer ${key}` } });
    expect(asKey.statusCode).toBe(200);
    const members = await domus.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/members`, headers: { authorization: `Bearer ${key}` } });
    expect(members.statusCode).toBe(403);
    expect(members.json().code).toBe('INSUFFICIENT_SCOPE');

    const otherOwner = await signUp(domus);
    const otherOrg = await createOrganization(domus, otherOwner);
    const foreign = await domus.app.inject({ method: 'GET', url: `/api/v1/organizations/${otherOrg}`, headers: { authorization: `Bearer ${key}` } });
    expect(foreign.statusCode).toBe(404);

    const keyId = created.json().id as string;
    const revoke = await domus.app.inject({ method: 'DELETE', url: `/api/v1/organizations/${orgId}/api-keys/${keyId}`, headers: { cookie: owner.cookie } });
    expect(revoke.statusCode).toBe(204);
    const afterRevoke = await domus.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}`, headers: { authorization: `Bearer ${key}` } });
    expect(afterRevoke.statusCode).toBe(401);
    const forged = await domus.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}`, headers: { authorization: `Bearer ${key.slice(0, -2)}xx` } });
    expect(forged.statusCode).toBe(401);
  });

  it('keeps profiles per user', async () => {
    const user = await signUp(domus);
    const put = await domus.app.inject({ method: 'PUT', url: '/api/v1/me/profile', headers: { cookie: user.cookie }, payload: { kinds: ['buyer', 'investor'], phone: '+31 20 123 4567' } });
    expect(put.statusCode).toBe(200);
    const other = await signUp(domus);
    const theirs = await domus.app.inject({ method: 'GET', url: '/api/v1/me/profile', headers: { cookie: other.cookie } });
    expect(theirs.json().kinds).toEqual([]);
    const bad = await domus.app.inject({ method: 'PUT', url: '/api/v1/me/profile', headers: { cookie: user.cookie }, payload: { kinds: ['landlord'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe('kinds.0');
  });
});

describe('changing the password', () => {
  const put = (cookie: string, payload: object) => domus.app.inject({ method: 'PUT', url: '/api/v1/me/password', headers: { cookie }, payload });
  const logIn = (email: string, password: string, device: string) =>
    domus.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { cookie: device }, payload: { email, password } });

  it('needs the current password, refuses weak or unchanged new ones, then ends every other session', async () => {
    const user = await signUp(domus);
    const device = user.cookie.split('; ').find((part) => part.startsWith('domus_device='))!;
    const second = await logIn(user.email, 'correct horse battery staple', device);
    expect(second.statusCode).toBe(200);
    const otherCookie = `domus_session=${second.cookies.find((item) => item.name === 'domus_session')!.value}; ${device}`;

    const wrong = await put(user.cookie, { currentPassword: 'not my password', newPassword: 'a brand new passphrase' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(wrong.json()).toMatchObject({ code: 'CURRENT_PASSWORD_INCORRECT', errors: [{ path: 'currentPassword' }] });

    const common = await put(user.cookie, { currentPassword: 'correct horse battery staple', newPassword: 'password123!' });
    expect(common.statusCode).toBe(400);
    expect(common.json().errors[0].path).toBe('newPassword');
    const same = await put(user.cookie, { currentPassword: 'correct horse battery staple', newPassword: 'correct horse battery staple' });
    expect(same.statusCode).toBe(400);
    expect(same.json().code).toBe('PASSWORD_UNCHANGED');
    const short = await put(user.cookie, { currentPassword: 'correct horse battery staple', newPassword: 'short' });
    expect(short.statusCode).toBe(400);
    // Nothing changed so far: the other session still works.
    expect((await domus.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: otherCookie } })).statusCode).toBe(200);

    const changed = await put(user.cookie, { currentPassword: 'correct horse battery staple', newPassword: 'a brand new passphrase' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({ endedSessions: 1 });
    expect((await domus.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: otherCookie } })).statusCode).toBe(401);
    expect((await domus.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: user.cookie } })).statusCode).toBe(200);
    expect((await logIn(user.email, 'correct horse battery staple', device)).statusCode).toBe(401);
    expect((await logIn(user.email, 'a brand new passphrase', device)).statusCode).toBe(200);

    const { sql } = await import('kysely');
    const audit = await sql<{ action: string }>`select action from audit_log where action = 'identity.password.changed' and target_id = ${user.id}`.execute(domus.platform.db);
    expect(audit.rows).toHaveLength(1);
  });

  it('is for a signed-in person only', async () => {
    const anonymous = await domus.app.inject({ method: 'PUT', url: '/api/v1/me/password', payload: { currentPassword: 'x', newPassword: 'a brand new passphrase' } });
    expect(anonymous.statusCode).toBe(401);
  });
});
