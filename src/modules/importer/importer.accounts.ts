import { randomBytes } from 'node:crypto';
import { AppError } from '../../platform/errors';
import type { IdentityModule, Organization, Role, User } from '../identity';

type Identity = IdentityModule['service'];

/**
 * Find-or-create helpers over the identity service, so that seeding and imports can be re-run
 * (or resumed after a crash) without duplicating accounts or tripping over existing ones.
 */
export async function ensureUser(
  identity: Identity,
  input: { email: string; displayName: string } & ({ password: string } | { passwordHash: () => Promise<string> }),
): Promise<{ user: User; created: boolean }> {
  const existing = await identity.findUserByEmail(input.email);
  if (existing) return { user: existing, created: false };
  try {
    const user =
      'password' in input
        ? await identity.signUp({ email: input.email, password: input.password, displayName: input.displayName })
        : await identity.signUpWithPasswordHash({ email: input.email, passwordHash: await input.passwordHash(), displayName: input.displayName });
    return { user, created: true };
  } catch (error) {
    // Another node created it between the look-up and the insert.
    if (error instanceof AppError && error.code === 'EMAIL_TAKEN') {
      const raced = await identity.findUserByEmail(input.email);
      if (raced) return { user: raced, created: false };
    }
    throw error;
  }
}

export async function ensureOrganization(identity: Identity, ownerUserId: string, name: string, slug: string): Promise<{ organization: Organization; created: boolean }> {
  const existing = await identity.findOrganization(slug);
  if (existing) return { organization: existing, created: false };
  try {
    return { organization: await identity.createOrganization(ownerUserId, name, slug), created: true };
  } catch (error) {
    if (error instanceof AppError && error.code === 'SLUG_TAKEN') {
      const raced = await identity.findOrganization(slug);
      if (raced) return { organization: raced, created: false };
    }
    throw error;
  }
}

export async function ensureMember(identity: Identity, organizationId: string, userId: string, role: Role): Promise<boolean> {
  return identity.addMemberDirect(organizationId, userId, role);
}

/** The slug an organization name gets when the importer creates it: stable, so re-runs find it. */
export function slugForName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug.length >= 2 ? slug : `org-${slug || 'imported'}`;
}

/** The account that owns organizations created by imports when the operator names no owner. Nobody knows its password. */
export const importerAccount = { email: 'importer@domus.example.com', displayName: 'Domus importer' } as const;

export async function ensureImporterAccount(identity: Identity): Promise<User> {
  const { user } = await ensureUser(identity, { ...importerAccount, password: randomBytes(32).toString('base64url') });
  return user;
}
