import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, call, expectProblem } from '../../../../test/support/api-client';
import { createOrganization, createTestDomus, signUp, type SignedInUser, type TestDomus } from '../../../../test/support/harness';
import { stepUp } from '../../../../test/support/step-up';
import { FieldCipher } from './field-encryption';
import { isValidIban } from './privacy.routes';

let domus: TestDomus;
let person: SignedInUser;

beforeAll(async () => {
  domus = await createTestDomus();
  person = await signUp(domus, 'Private Person');
}, 60_000);
afterAll(async () => {
  await domus?.close();
});

// PUT through inject directly: the shared api-client's call() names the methods most modules use.
const put = (user: SignedInUser, url: string, payload: Record<string, unknown>) =>
  domus.app.inject({ method: 'PUT', url: `/api/v1${url}`, headers: asUser(user).headers, payload });

const storedRow = async (userId: string) =>
  (await sql<{ identity_document: string | null; iban: string | null; key_id: string }>`SELECT identity_document, iban, key_id FROM personal_data WHERE user_id = ${userId}`.execute(domus.platform.db)).rows[0];

describe('field encryption', () => {
  it('round-trips under its context and refuses another row, column or key', () => {
    const cipher = new FieldCipher(domus.platform.secrets, 'k1');
    const context = { table: 'personal_data', column: 'iban', rowId: 'a' };
    const stored = cipher.encrypt('NL91ABNA0417164300', context);
    expect(stored).toMatch(/^enc:v1:k1:/);
    expect(stored).not.toContain('NL91');
    expect(cipher.encrypt('NL91ABNA0417164300', context)).not.toBe(stored);
    expect(cipher.decrypt(stored, context)).toBe('NL91ABNA0417164300');
    expect(() => cipher.decrypt(stored, { ...context, rowId: 'b' })).toThrow(/fails authentication/);
    expect(() => cipher.decrypt(stored, { ...context, column: 'identity_document' })).toThrow(/fails authentication/);
    // A character well inside the ciphertext (the last ones may hold only padding bits), always changed.
    const at = stored.length - 6;
    const flipped = stored.slice(0, at) + (stored[at] === 'A' ? 'B' : 'A') + stored.slice(at + 1);
    expect(() => cipher.decrypt(flipped, context)).toThrow();
    expect(() => cipher.decrypt(stored.replace(':k1:', ':k2:'), context)).toThrow(/fails authentication/);
  });

  it('validates IBANs with their check digits', () => {
    expect(isValidIban('NL91ABNA0417164300')).toBe(true);
    expect(isValidIban('DE89370400440532013000')).toBe(true);
    expect(isValidIban('NL92ABNA0417164300')).toBe(false);
    expect(isValidIban("NL91' OR 1=1")).toBe(false);
  });
});

describe('personal data', () => {
  it('needs a recent second factor to change, stores only ciphertext, and shows masked values', async () => {
    const body = { identityDocumentNumber: 'nx12345678', iban: 'NL91 ABNA 0417 1643 00' };
    const refused = await put(person, '/me/personal-data', body);
    expectProblem(refused, 401, 'STEP_UP_REQUIRED');
    await stepUp(domus, person);
    const saved = await put(person, '/me/personal-data', body);
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ identityDocumentNumber: '••••••5678', iban: '••••••••••••••4300' });
    const row = await storedRow(person.id);
    expect(row?.key_id).toBe('k1');
    expect(row?.iban).toMatch(/^enc:v1:k1:/);
    expect(JSON.stringify(row)).not.toMatch(/NL91|5678/);
    expect((await call(domus, asUser(person), 'GET', '/me/personal-data')).json()).toMatchObject({ iban: '••••••••••••••4300' });
    const bad = await put(person, '/me/personal-data', { iban: 'NL92ABNA0417164300' });
    expectProblem(bad, 400, 'VALIDATION_FAILED', 'iban');
    const entries = await domus.platform.audit.entriesForActor({ type: 'user', id: person.id });
    expect(entries.map((entry) => entry.action)).toContain('privacy.personal_data.changed');
    expect(JSON.stringify(entries)).not.toMatch(/NL91|5678/);
  });

  it('rotates the key and re-encrypts older values, which stay readable', async () => {
    const other = await signUp(domus, 'Second Person');
    await stepUp(domus, other);
    expect((await put(other, '/me/personal-data', { iban: 'DE89370400440532013000' })).statusCode).toBe(200);
    const privacy = domus.modules.security.privacy;
    const keyId = await privacy.rotateKey();
    expect(keyId).toBe('k2');
    expect((await put(other, '/me/personal-data', { identityDocumentNumber: 'AB-12345' })).statusCode).toBe(200);
    expect((await storedRow(other.id))?.key_id).toBe('k2');
    expect((await storedRow(person.id))?.key_id).toBe('k1');
    const result = await privacy.reencrypt();
    expect(result.reencrypted).toBe(1);
    expect(result.byKey).toEqual({ k2: 2 });
    expect((await storedRow(person.id))?.iban).toMatch(/^enc:v1:k2:/);
    expect((await call(domus, asUser(person), 'GET', '/me/personal-data')).json()).toMatchObject({ identityDocumentNumber: '••••••5678', iban: '••••••••••••••4300' });
    expect((await call(domus, asUser(other), 'GET', '/me/personal-data')).json()).toMatchObject({ iban: '••••••••••••••••••3000', identityDocumentNumber: '••••2345' });
  });

  it('answers 409, not 500, when a ciphertext was moved to another row', async () => {
    const thief = await signUp(domus, 'Copy Cat');
    await sql`INSERT INTO personal_data (user_id, identity_document, iban, key_id, updated_at) SELECT ${thief.id}, identity_document, iban, key_id, updated_at FROM personal_data WHERE user_id = ${person.id}`.execute(domus.platform.db);
    expectProblem(await call(domus, asUser(thief), 'GET', '/me/personal-data'), 409, 'PERSONAL_DATA_UNREADABLE');
  });
});

describe('GDPR export and erasure', () => {
  it('exports everything about the person, with a recent second factor, and audits it', async () => {
    domus.clock.advance(6 * 60_000); // the step-up of the tests above is now too old
    expectProblem(await call(domus, asUser(person), 'GET', '/me/data-export'), 401, 'STEP_UP_REQUIRED');
    await stepUp(domus, person);
    const response = await call(domus, asUser(person), 'GET', '/me/data-export');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const document = response.json();
    expect(document).toMatchObject({
      format: 'domus-personal-data-export/1',
      account: { id: person.id, email: person.email },
      personalData: { identityDocumentNumber: 'NX12345678', iban: 'NL91ABNA0417164300' },
      deals: { items: [] },
    });
    expect(Array.isArray(document.memberships) && Array.isArray(document.sessions) && Array.isArray(document.auditTrail)).toBe(true);
    const actions = (await domus.platform.audit.entriesForActor({ type: 'user', id: person.id })).map((entry) => entry.action);
    expect(actions).toContain('privacy.export');
  });

  it('refuses erasure while the person owns an organization with other members', async () => {
    const owner = await signUp(domus, 'Busy Owner');
    const organizationId = await createOrganization(domus, owner, 'Busy Agency');
    const member = await signUp(domus, 'Member');
    await stepUp(domus, owner);
    expect((await call(domus, asUser(owner), 'POST', `/organizations/${organizationId}/members`, { email: member.email, role: 'agent' })).statusCode).toBe(201);
    expectProblem(await call(domus, asUser(owner), 'POST', '/me/erasure', { confirm: 'ERASE MY ACCOUNT' }), 409, 'LAST_OWNER');
  });

  it('erases: the person is gone, the records stay under a pseudonym, and the audit chain still verifies', async () => {
    expectProblem(await call(domus, asUser(person), 'POST', '/me/erasure', { confirm: 'yes' }), 400, 'VALIDATION_FAILED', 'confirm');
    await stepUp(domus, person);
    const erased = await call(domus, asUser(person), 'POST', '/me/erasure', { confirm: 'ERASE MY ACCOUNT' });
    expect(erased.statusCode, erased.body).toBe(200);
    expect((await call(domus, asUser(person), 'GET', '/auth/me')).statusCode).toBe(401);
    const login = await domus.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: person.email, password: 'correct horse battery staple' } });
    expect(login.statusCode).toBe(401);
    const user = (await sql<{ email: string; display_name: string }>`SELECT email, display_name FROM users WHERE id = ${person.id}`.execute(domus.platform.db)).rows[0];
    expect(user).toEqual({ email: `erased-${person.id}@erased.invalid`, display_name: 'Erased user' });
    expect(await storedRow(person.id)).toBeUndefined();
    const entries = await domus.platform.audit.entriesForActor({ type: 'user', id: person.id });
    expect(entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['privacy.personal_data.changed', 'privacy.export', 'privacy.erasure']));
    expect(JSON.stringify(entries)).not.toContain(person.email);
    expect((await domus.platform.audit.verify()).problems).toEqual([]);
  });
});
