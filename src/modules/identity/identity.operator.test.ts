import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDomus, type TestDomus } from '../../../test/support/harness';

/** The non-HTTP paths the operator CLI and the demo-data loader use. */
let domus: TestDomus;
beforeAll(async () => {
  domus = await createTestDomus();
});
afterAll(async () => {
  await domus?.close();
});

describe('operator paths of the identity service', () => {
  it('adds a member directly once, finds organizations by id or slug, and counts accounts', async () => {
    const service = domus.modules.identity.service;
    const before = await service.countAccounts();
    const owner = await service.signUp({ email: 'owner@operator.example.com', password: 'a long enough password', displayName: 'Owner' });
    const agent = await service.signUp({ email: 'agent@operator.example.com', password: 'a long enough password', displayName: 'Agent' });
    const organization = await service.createOrganization(owner.id, 'Operator Homes', 'operator-homes');

    expect(await service.addMemberDirect(organization.id, agent.id, 'agent')).toBe(true);
    expect(await service.addMemberDirect(organization.id, agent.id, 'admin')).toBe(false);
    expect(await service.memberships(agent.id)).toEqual([
      { organizationId: organization.id, organizationName: 'Operator Homes', organizationSlug: 'operator-homes', role: 'agent' },
    ]);

    expect((await service.findOrganization('operator-homes'))?.id).toBe(organization.id);
    expect((await service.findOrganization(organization.id))?.slug).toBe('operator-homes');
    expect(await service.findOrganization('no-such-slug')).toBeNull();
    expect(await service.findOrganization('00000000-0000-7000-8000-000000000000')).toBeNull();

    expect(await service.countAccounts()).toEqual({ users: before.users + 2, organizations: before.organizations + 1 });
  });

  it('signs users up with a shared password hash, each able to log in', async () => {
    const service = domus.modules.identity.service;
    const passwordHash = await service.hashPassword('shared demo password');
    expect(passwordHash).toMatch(/^\$argon2id\$/);
    for (const email of ['one@shared.example.com', 'two@shared.example.com']) {
      const user = await service.signUpWithPasswordHash({ email, passwordHash, displayName: 'Shared' });
      expect((await service.logIn(email, 'shared demo password')).id).toBe(user.id);
      await expect(service.logIn(email, 'another password')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    await expect(service.signUpWithPasswordHash({ email: 'ONE@shared.example.com', passwordHash, displayName: 'Again' })).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
  });
});
