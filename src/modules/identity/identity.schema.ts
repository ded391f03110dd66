import { z } from 'zod';
import { currencySchema } from '../../platform/money';

export const roles = ['owner', 'admin', 'agent', 'viewer'] as const;
export type Role = (typeof roles)[number];
export const roleSchema = z.enum(roles);

/** Higher rank includes every permission of the lower ranks. */
export const roleRank: Record<Role, number> = { viewer: 1, agent: 2, admin: 3, owner: 4 };

export const apiKeyScopes = ['listings:read', 'listings:write', 'members:read'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];
export const apiKeyScopeSchema = z.enum(apiKeyScopes);

export const profileKinds = ['buyer', 'seller', 'investor'] as const;

const email = z
  .email('must be a valid email address')
  .max(254)
  .transform((value) => value.trim().toLowerCase());

const newPassword = z.string().min(10, 'must be at least 10 characters').max(200, 'must be at most 200 characters');

export const signUpBody = z
  .object({
    email,
    password: newPassword,
    displayName: z.string().trim().min(1, 'must not be empty').max(120),
  })
  .strict();

export const changePasswordBody = z.object({ currentPassword: z.string().min(1, 'must not be empty').max(200), newPassword }).strict();

export const logInBody = z.object({ email, password: z.string().min(1).max(200) }).strict();

export const userSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  createdAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const membershipSummarySchema = z.object({
  organizationId: z.uuid(),
  organizationName: z.string(),
  organizationSlug: z.string(),
  role: roleSchema,
});

export const meSchema = z.object({ user: userSchema, memberships: z.array(membershipSummarySchema) });

const slug = z
  .string()
  .trim()
  .min(2)
  .max(60)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase letters, digits and single hyphens, e.g. "harbour-homes"');

export const createOrganizationBody = z
  .object({ name: z.string().trim().min(2, 'must be at least 2 characters').max(120), slug: slug.optional() })
  .strict();
export const updateOrganizationBody = z.object({ name: z.string().trim().min(2).max(120) }).strict();

export const organizationSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  role: roleSchema.nullable().describe("The caller's role; null for API-key callers"),
  createdAt: z.string(),
});
export type Organization = z.infer<typeof organizationSchema>;

export const memberSchema = z.object({
  userId: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: roleSchema,
  joinedAt: z.string(),
});

export const addMemberBody = z.object({ email, role: roleSchema }).strict();
export const updateMemberBody = z.object({ role: roleSchema }).strict();

export const createApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(80),
    scopes: z.array(apiKeyScopeSchema).min(1, 'must name at least one scope').max(apiKeyScopes.length),
  })
  .strict();

export const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(apiKeyScopeSchema),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const createdApiKeySchema = apiKeySchema.extend({
  key: z.string().describe('The full key. Shown once: store it now, it cannot be retrieved again.'),
});

export const profileSchema = z.object({
  userId: z.uuid(),
  kinds: z.array(z.enum(profileKinds)),
  phone: z.string().nullable(),
  bio: z.string().nullable(),
  preferredCurrency: currencySchema.nullable(),
  updatedAt: z.string().nullable(),
});
export const updateProfileBody = z
  .object({
    kinds: z.array(z.enum(profileKinds)).max(3),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ()-]{6,24}$/, 'must be a phone number such as +31 20 123 4567')
      .nullable()
      .optional(),
    bio: z.string().trim().max(2000).nullable().optional(),
    preferredCurrency: currencySchema.nullable().optional(),
  })
  .strict();

export const organizationIdParams = z.object({ orgId: z.uuid('must be an organization id (UUID)') }).strict();
export const memberParams = organizationIdParams.extend({ userId: z.uuid('must be a user id (UUID)') }).strict();
export const apiKeyParams = organizationIdParams.extend({ keyId: z.uuid('must be an API key id (UUID)') }).strict();
