import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { policy } from '../../platform/policy';
import { z } from 'zod';
import { auditContext, type AuditLog } from '../../platform/audit';
import type { Config } from '../../platform/config';
import { platformErrors } from '../../platform/errors';
import { pageSchema, problemResponses, type AuthContext } from '../../platform/http';
import {
  addMemberBody,
  changePasswordBody,
  apiKeyParams,
  apiKeySchema,
  createApiKeyBody,
  createdApiKeySchema,
  createOrganizationBody,
  logInBody,
  memberParams,
  memberSchema,
  meSchema,
  organizationIdParams,
  organizationSchema,
  profileSchema,
  signUpBody,
  updateMemberBody,
  updateOrganizationBody,
  updateProfileBody,
  userSchema,
} from './identity.schema';
import type { IdentityService } from './identity.service';

export const sessionCookieName = 'domus_session';

const mfaRequiredSchema = z.object({
  status: z.literal('mfa_required'),
  mfaToken: z.string().describe('Send it with a factor to POST /api/v1/security/mfa/verify; valid 5 minutes, once'),
  methods: z.array(z.string()),
  expiresAt: z.string(),
});

export function requireUser(auth: AuthContext | null): string {
  if (!auth?.userId) throw platformErrors.UNAUTHENTICATED('Log in to do this.');
  return auth.userId;
}

function requireCaller(auth: AuthContext | null): AuthContext {
  if (!auth) throw platformErrors.UNAUTHENTICATED('Log in or send an API key.');
  return auth;
}

export function identityRoutes(service: IdentityService, config: Config, audit?: AuditLog): FastifyPluginAsync {
  const secureCookie = config.PUBLIC_URL.startsWith('https:');
  const setSessionCookie = (reply: FastifyReply, token: string, expiresAt: Date) =>
    reply.setCookie(sessionCookieName, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookie,
      path: '/',
      expires: expiresAt,
    });
  const authRateLimit = { rateLimit: { max: config.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute' } };

  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['identity'];

    app.post('/auth/signup', {
      config: { ...authRateLimit, policy: policy.public('anyone may create an account') },
      schema: { tags, summary: 'Create an account and log in', body: signUpBody, response: { 201: z.object({ user: userSchema }), ...problemResponses(400, 409, 429) } },
    }, async (request, reply) => {
      const { user, deviceId } = await service.signUpFrom(request.body, { request, reply });
      const session = await service.openSession(user.id, { ip: request.ip, userAgent: request.headers['user-agent'] }, { deviceId });
      setSessionCookie(reply, session.token, session.expiresAt);
      return reply.code(201).send({ user });
    });

    app.post('/auth/login', {
      config: { ...authRateLimit, policy: policy.public('anyone may try to log in; lock-outs and risk checks run in the log-in guard') },
      schema: { tags, summary: 'Log in with email and password; answers mfa_required (no session yet) when a second factor is due', body: logInBody, response: { 200: z.union([z.object({ user: userSchema }), mfaRequiredSchema]), ...problemResponses(400, 401, 403, 423, 429) } },
    }, async (request, reply) => {
      // The guard (security module) refuses locked or throttled attempts and assesses the risk.
      const { user, assessment } = await service.logInFrom(request.body.email, request.body.password, { request, reply });
      // Enrolled factor, or a step-up risk decision: the session opens at POST /security/mfa/verify.
      const pending = await service.secondFactorStep(user.id, { riskStepUp: assessment.decision === 'step_up', deviceId: assessment.deviceId });
      if (pending) return { status: 'mfa_required' as const, mfaToken: pending.mfaToken, methods: pending.methods, expiresAt: pending.expiresAt.toISOString() };
      const session = await service.openSession(user.id, { ip: request.ip, userAgent: request.headers['user-agent'] }, { deviceId: assessment.deviceId });
      setSessionCookie(reply, session.token, session.expiresAt);
      return { user };
    });

    app.post('/auth/logout', {
      config: { policy: policy.public('ends the session named by the cookie, if any') },
      schema: { tags, summary: 'End the current session', response: { 204: z.null() } },
    }, async (request, reply) => {
      const token = request.cookies[sessionCookieName];
      if (token) await service.closeSession(token);
      reply.clearCookie(sessionCookieName, { path: '/' });
      return reply.code(204).send(null);
    });

    app.get('/auth/me', {
      config: { policy: policy.self('the signed-in user only') },
      schema: { tags, summary: 'The signed-in user and their organizations', response: { 200: meSchema, ...problemResponses(401) } },
    }, async (request) => {
      const userId = requireUser(request.auth);
      return { user: await service.getUser(userId), memberships: await service.memberships(userId) };
    });

    app.put('/me/password', {
      config: { ...authRateLimit, policy: policy.self("the signed-in person's own password, given the current one", { sensitive: true }) },
      schema: {
        tags,
        summary: 'Change your password (the current one is required); every other session of yours ends',
        body: changePasswordBody,
        response: { 200: z.object({ endedSessions: z.number().int() }), ...problemResponses(400, 401, 403, 423, 429) },
      },
    }, async (request, reply) => {
      const userId = requireUser(request.auth);
      const sessionId = request.auth?.sessionId;
      if (!sessionId) throw platformErrors.UNAUTHENTICATED('Log in to change your password.');
      const result = await service.changePasswordFrom({ userId, sessionId }, request.body, { request, reply });
      await audit?.record({ ...auditContext(request), action: 'identity.password.changed', target: { type: 'user', id: userId }, details: { endedSessions: result.endedSessions } });
      return result;
    });

    app.get('/me/profile', {
      config: { policy: policy.self("the caller's own profile") },
      schema: { tags, summary: "The caller's person profile", response: { 200: profileSchema, ...problemResponses(401) } },
    }, async (request) => service.getProfile(requireUser(request.auth)));

    app.put('/me/profile', {
      config: { policy: policy.self("the caller's own profile") },
      schema: { tags, summary: "Replace the caller's person profile", body: updateProfileBody, response: { 200: profileSchema, ...problemResponses(400, 401) } },
    }, async (request) => service.updateProfile(requireUser(request.auth), request.body));

    app.post('/organizations', {
      config: { policy: policy.self('any signed-in person may found an organization and becomes its owner', { tenant: 'none' }) },
      schema: { tags, summary: 'Create an organization (agency); the caller becomes its owner', body: createOrganizationBody, response: { 201: organizationSchema, ...problemResponses(400, 401, 409) } },
    }, async (request, reply) => {
      const organization = await service.createOrganization(requireUser(request.auth), request.body.name, request.body.slug);
      return reply.code(201).send(organization);
    });

    app.get('/organizations', {
      config: { policy: policy.self("the caller's memberships, or the API key's own organization", { via: ['session', 'apiKey'] }) },
      schema: { tags, summary: "The caller's organizations", response: { 200: pageSchema(organizationSchema), ...problemResponses(401) } },
    }, async (request) => ({ items: await service.listOrganizations(requireCaller(request.auth)), nextCursor: null }));

    app.get('/organizations/:orgId', {
      config: { policy: policy.member('viewer', { apiKeyScope: 'listings:read' }) },
      schema: { tags, summary: 'One organization', params: organizationIdParams, response: { 200: organizationSchema, ...problemResponses(400, 401, 404) } },
    }, async (request) => service.getOrganization(requireCaller(request.auth), request.params.orgId));

    app.patch('/organizations/:orgId', {
      config: { policy: policy.member('admin', { apiKeyScope: 'listings:write' }) },
      schema: { tags, summary: 'Rename an organization (admin)', params: organizationIdParams, body: updateOrganizationBody, response: { 200: organizationSchema, ...problemResponses(400, 401, 403, 404) } },
    }, async (request) => service.renameOrganization(requireCaller(request.auth), request.params.orgId, request.body.name));

    app.get('/organizations/:orgId/members', {
      config: { policy: policy.member('viewer', { apiKeyScope: 'members:read' }) },
      schema: { tags, summary: 'Members and their roles', params: organizationIdParams, response: { 200: pageSchema(memberSchema), ...problemResponses(400, 401, 403, 404) } },
    }, async (request) => ({ items: await service.listMembers(requireCaller(request.auth), request.params.orgId), nextCursor: null }));

    app.post('/organizations/:orgId/members', {
      config: { policy: policy.member('admin', { sensitive: true, ownership: 'admins of the organization in :orgId; only owners grant admin or owner (service)' }) },
      schema: { tags, summary: 'Add an existing user as a member (admin)', params: organizationIdParams, body: addMemberBody, response: { 201: memberSchema, ...problemResponses(400, 401, 403, 404, 409) } },
    }, async (request, reply) => {
      const member = await service.addMember(requireCaller(request.auth), request.params.orgId, request.body.email, request.body.role);
      await audit?.record({ ...auditContext(request), action: 'identity.member.added', organizationId: request.params.orgId, target: { type: 'user', id: member.userId }, details: { role: member.role } });
      return reply.code(201).send(member);
    });

    app.patch('/organizations/:orgId/members/:userId', {
      config: { policy: policy.member('admin', { sensitive: true, ownership: 'admins of the organization in :orgId; only owners change admin or owner roles (service)' }) },
      schema: { tags, summary: "Change a member's role (admin; owner for admin/owner roles)", params: memberParams, body: updateMemberBody, response: { 200: memberSchema, ...problemResponses(400, 401, 403, 404, 409) } },
    }, async (request) => {
      const member = await service.changeMemberRole(requireCaller(request.auth), request.params.orgId, request.params.userId, request.body.role);
      await audit?.record({ ...auditContext(request), action: 'identity.member.role_changed', organizationId: request.params.orgId, target: { type: 'user', id: member.userId }, details: { role: member.role } });
      return member;
    });

    app.delete('/organizations/:orgId/members/:userId', {
      config: { policy: policy.member('viewer', { sensitive: true, ownership: 'any member may leave; removing someone else needs admin (service)' }) },
      schema: { tags, summary: 'Remove a member (admin), or leave (yourself)', params: memberParams, response: { 204: z.null(), ...problemResponses(400, 401, 403, 404, 409) } },
    }, async (request, reply) => {
      await service.removeMember(requireCaller(request.auth), request.params.orgId, request.params.userId);
      await audit?.record({ ...auditContext(request), action: 'identity.member.removed', organizationId: request.params.orgId, target: { type: 'user', id: request.params.userId } });
      return reply.code(204).send(null);
    });

    app.post('/organizations/:orgId/api-keys', {
      config: { policy: policy.member('admin', { sensitive: true }) },
      schema: { tags, summary: 'Create an API key (admin); the key is shown once', params: organizationIdParams, body: createApiKeyBody, response: { 201: createdApiKeySchema, ...problemResponses(400, 401, 403, 404) } },
    }, async (request, reply) => {
      const auth = requireCaller(request.auth);
      await service.require(auth, request.params.orgId, 'admin', 'listings:write');
      const created = await service.createApiKey(request.params.orgId, auth.userId, request.body.name, request.body.scopes);
      await audit?.record({ ...auditContext(request), action: 'identity.api_key.created', organizationId: request.params.orgId, target: { type: 'api_key', id: created.id }, details: { name: created.name, scopes: created.scopes } });
      return reply.code(201).header('cache-control', 'no-store').send(created);
    });

    app.get('/organizations/:orgId/api-keys', {
      config: { policy: policy.member('admin') },
      schema: { tags, summary: "The organization's API keys (without secrets)", params: organizationIdParams, response: { 200: pageSchema(apiKeySchema), ...problemResponses(400, 401, 403, 404) } },
    }, async (request) => {
      await service.require(requireCaller(request.auth), request.params.orgId, 'admin', 'listings:write');
      return { items: await service.listApiKeys(request.params.orgId), nextCursor: null };
    });

    app.delete('/organizations/:orgId/api-keys/:keyId', {
      config: { policy: policy.member('admin', { sensitive: true }) },
      schema: { tags, summary: 'Revoke an API key (admin)', params: apiKeyParams, response: { 204: z.null(), ...problemResponses(400, 401, 403, 404) } },
    }, async (request, reply) => {
      await service.require(requireCaller(request.auth), request.params.orgId, 'admin', 'listings:write');
      await service.revokeApiKey(request.params.orgId, request.params.keyId);
      await audit?.record({ ...auditContext(request), action: 'identity.api_key.revoked', organizationId: request.params.orgId, target: { type: 'api_key', id: request.params.keyId } });
      return reply.code(204).send(null);
    });
  };
}
