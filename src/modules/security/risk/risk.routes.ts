import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CursorCodec } from '../../../platform/cursor';
import { platformErrors } from '../../../platform/errors';
import { pageSchema, problemResponses, type AuthContext } from '../../../platform/http';
import { policy } from '../../../platform/policy';
import type { IdentityModule } from '../../identity';
import { accountKey, type AbuseService } from '../abuse/abuse.service';
import { requestFacts, type RecordAudit } from '../security.audit';
import { riskErrors } from './risk.errors';
import { lockoutSchema, orgParams, orgUserParams, policySchema, riskyLogInSchema, riskyLogInsQuery, updatePolicyBody } from './risk.schema';
import type { RiskService } from './risk.service';

const cursorPosition = z.object({ at: z.string(), id: z.uuid() });

/** The organization admins' view: risk policy and plan, risky log-ins of members, lock-outs. */
export function riskRoutes(deps: { risk: RiskService; abuse: AbuseService; identity: IdentityModule; cursors: CursorCodec; audit: RecordAudit }): FastifyPluginAsync {
  const { risk, abuse, identity, cursors, audit } = deps;
  const requireCaller = (auth: AuthContext | null): AuthContext => {
    if (!auth) throw platformErrors.UNAUTHENTICATED('Log in or send an API key.');
    return auth;
  };
  /** Members of the organization, by id, once the caller is known to be one of its admins. */
  const adminMembers = async (auth: AuthContext | null, organizationId: string) => {
    const caller = requireCaller(auth);
    await identity.access.require(caller, organizationId, 'admin', 'members:read');
    const members = await identity.service.listMembers(caller, organizationId);
    return new Map(members.map((member) => [member.userId, member]));
  };

  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['security'];

    app.get('/organizations/:orgId/security/policy', {
      config: { policy: policy.member('admin') },
      schema: { tags, summary: 'Risk policy (score → allow / step-up / deny) and plan (admin)', params: orgParams, response: { 200: policySchema, ...problemResponses(400, 401, 403, 404) } },
    }, async (request) => {
      await identity.access.require(requireCaller(request.auth), request.params.orgId, 'admin', 'members:read');
      return risk.settings(request.params.orgId);
    });

    app.put('/organizations/:orgId/security/policy', {
      config: { policy: policy.member('admin', { sensitive: true }) },
      schema: { tags, summary: 'Change the risk policy, plan or API-key rate limit (admin)', params: orgParams, body: updatePolicyBody, response: { 200: policySchema, ...problemResponses(400, 401, 403, 404) } },
    }, async (request) => {
      const caller = requireCaller(request.auth);
      await identity.access.require(caller, request.params.orgId, 'admin', 'listings:write');
      const before = await risk.settings(request.params.orgId);
      const after = await risk.updateSettings(request.params.orgId, request.body);
      await audit({
        action: 'security.policy.changed',
        outcome: 'success',
        actor: { type: 'user', id: caller.userId },
        organizationId: request.params.orgId,
        target: { type: 'organization', id: request.params.orgId },
        ...requestFacts(request),
        details: { before: { stepUpAt: before.stepUpAt, denyAt: before.denyAt, plan: before.plan, apiKeyRequestsPerMinute: before.apiKeyRequestsPerMinute }, after: request.body },
      });
      return after;
    });

    app.get('/organizations/:orgId/security/risky-logins', {
      config: { policy: policy.member('admin') },
      schema: { tags, summary: "Members' risky log-ins: score, reasons, place, device (admin)", params: orgParams, querystring: riskyLogInsQuery, response: { 200: pageSchema(riskyLogInSchema), ...problemResponses(400, 401, 403, 404) } },
    }, async (request) => {
      const members = await adminMembers(request.auth, request.params.orgId);
      const scope = `risky-logins:${request.params.orgId}:${request.query.minScore}`;
      const after = request.query.cursor ? cursors.decode(scope, request.query.cursor, cursorPosition) : null;
      const rows = await risk.repository.riskyEvents([...members.keys()], request.query.minScore, request.query.limit + 1, after ? { at: new Date(after.at), id: after.id } : null);
      const page = rows.slice(0, request.query.limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => ({
          id: row.id,
          userId: row.user_id,
          email: row.user_id ? members.get(row.user_id)?.email ?? null : null,
          occurredAt: row.occurred_at.toISOString(),
          outcome: row.outcome,
          score: row.score,
          reasons: row.reasons,
          place: { ip: row.ip, country: row.country, city: row.city },
          deviceId: row.device_id,
        })),
        nextCursor: rows.length > request.query.limit && last ? cursors.encode(scope, { at: last.occurred_at.toISOString(), id: last.id }) : null,
      };
    });

    app.get('/organizations/:orgId/security/lockouts', {
      config: { policy: policy.member('admin') },
      schema: { tags, summary: "Members' accounts locked out now (admin)", params: orgParams, response: { 200: pageSchema(lockoutSchema), ...problemResponses(400, 401, 403, 404) } },
    }, async (request) => {
      const members = await adminMembers(request.auth, request.params.orgId);
      const locks = await abuse.activeLocks();
      const items = locks
        .filter((lock) => lock.kind === 'account' && lock.user_id && members.has(lock.user_id))
        .map((lock) => ({
          kind: lock.kind,
          userId: lock.user_id,
          email: lock.user_id ? members.get(lock.user_id)?.email ?? null : null,
          subject: lock.subject,
          reason: lock.reason,
          failures: lock.failures,
          lockedAt: lock.locked_at.toISOString(),
          lockedUntil: lock.locked_until.toISOString(),
        }));
      return { items, nextCursor: null };
    });

    app.delete('/organizations/:orgId/security/lockouts/:userId', {
      config: { policy: policy.member('admin', { sensitive: true, ownership: 'admins of the organization in :orgId, for its members only' }) },
      schema: { tags, summary: "Lift a member's lock-out (admin)", params: orgUserParams, response: { 204: z.null(), ...problemResponses(400, 401, 403, 404) } },
    }, async (request, reply) => {
      const members = await adminMembers(request.auth, request.params.orgId);
      const member = members.get(request.params.userId);
      if (!member || !(await abuse.unlock(accountKey(member.email)))) {
        throw riskErrors.LOCKOUT_NOT_FOUND(`No member ${request.params.userId} of this organization is locked out.`);
      }
      await audit({
        action: 'security.lockout.lifted',
        outcome: 'success',
        actor: { type: 'user', id: request.auth?.userId ?? null },
        organizationId: request.params.orgId,
        target: { type: 'user', id: member.userId },
        ...requestFacts(request),
      });
      return reply.code(204).send(null);
    });
  };
}
