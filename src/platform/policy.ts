import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { actorOf, type AuditLog } from './audit';
import type { Clock } from './clock';
import { AppError, defineErrors, platformErrors } from './errors';
import type { AuthContext, Authenticator } from './http';
import { isUuid } from './ids';
import type { Logger } from './logger';
import type { Secrets } from './secrets';
import { verifyServiceToken } from './service-token';

/**
 * The policy gateway (issue 3): one layer every /api route passes through. Each route declares
 * `config: { policy }` — who may call (public, or which credentials: session, API key with a
 * scope, signed service token), the minimum organization role and how the tenant is
 * established, the assurance it needs (MFA within N seconds) and whether the request is
 * sensitive enough to re-assess risk. A global hook enforces it; an /api route without a policy
 * is refused (deny by default). Tenant checks that need the resource (a deal, a listing) stay in
 * the services, which answer 404 so that nobody learns what exists in another organization.
 */

export type CredentialKind = 'session' | 'apiKey' | 'service';

/**
 * Where the tenant comes from:
 * - `{ param }` / `{ query }`: an organization id in the path or the query string; the gateway
 *   checks the caller's standing (none → 404, too low a role or a missing API-key scope → 403);
 * - `'resource'`: the service loads the resource and checks its organization or participants (404);
 * - `'caller'`: the caller's own data (their profile, their factors);
 * - `'none'`: no tenant (public data, or creating a new organization).
 */
export type TenantRule = { param: string } | { query: string } | 'resource' | 'caller' | 'none';

export interface RoutePolicy {
  access: 'public' | 'authenticated';
  /** Credentials accepted; default: a session, plus an API key when `apiKeyScope` is set, a service token when `serviceScope` is. */
  via?: CredentialKind[];
  apiKeyScope?: string;
  serviceScope?: string;
  tenant: TenantRule;
  /** Minimum organization role (with `tenant: { param }`). */
  role?: string;
  /** Required assurance: the session passed a second factor within this many seconds. */
  stepUp?: { maxAgeSeconds: number };
  /** Re-assess the risk of this request (RiskAssessor) before it runs. */
  sensitive?: boolean;
  /** One sentence on how ownership is established; published in the OpenAPI document. */
  ownership: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
}

/** Short builders for the common shapes; routes may also write the object out. */
export const policy = {
  /** Anyone; `ownership` says what the service still hides (e.g. drafts from non-members). */
  public: (ownership: string): RoutePolicy => ({ access: 'public', tenant: 'none', ownership }),
  /** A signed-in person acting on their own data. */
  self: (ownership: string, extra: Partial<RoutePolicy> = {}): RoutePolicy => ({ access: 'authenticated', via: ['session'], tenant: 'caller', ownership, ...extra }),
  /** A member of the organization in the path parameter `orgId`, with at least `role`. */
  member: (role: string, extra: Partial<RoutePolicy> & { ownership?: string } = {}): RoutePolicy => ({
    access: 'authenticated',
    tenant: { param: 'orgId' },
    role,
    ownership: `members of the organization in :orgId with the ${role} role or higher`,
    ...extra,
  }),
  /** Authenticated; the service loads the resource and answers 404 unless the caller may see it. */
  resource: (ownership: string, extra: Partial<RoutePolicy> = {}): RoutePolicy => ({ access: 'authenticated', tenant: 'resource', ownership, ...extra }),
};

export interface RiskAssessment {
  score: number;
  reasons: string[];
  decision: 'allow' | 'step_up' | 'deny';
}

/** Implemented by the security module's risk engine; wired in by app.ts. */
export interface RiskAssessor {
  assess(request: FastifyRequest, auth: AuthContext): Promise<RiskAssessment>;
}

/** The caller's standing in an organization (identity's access service), as the gateway needs it. */
export interface TenantStanding {
  role: string | null;
  scopes: string[] | 'all';
}

export interface PolicyGatewayOptions {
  clock: Clock;
  secrets: Secrets;
  audit: AuditLog;
  logger: Logger;
  standing(auth: AuthContext, organizationId: string): Promise<TenantStanding | null>;
  /** Rank of each organization role; higher includes lower. */
  roleRank: Record<string, number>;
  /** The highest role an API key may act with. */
  apiKeyMaxRole: string;
  risk?: RiskAssessor;
  /** The second factors this caller can step up with (for the challenge); default: every kind. */
  stepUpMethods?: (auth: AuthContext) => Promise<string[]>;
  /** The session cookie, to tell a forged or expired cookie from no cookie at all. */
  sessionCookieName: string;
}

export const policyErrors = defineErrors({
  STEP_UP_REQUIRED: { status: 401, title: 'Recent multi-factor authentication required' },
  POLICY_MISSING: { status: 403, title: 'No access policy' },
  CREDENTIAL_NOT_ACCEPTED: { status: 403, title: 'This credential cannot call this route' },
  RISK_DENIED: { status: 403, title: 'Refused because of the assessed risk' },
  INVALID_SERVICE_TOKEN: { status: 401, title: 'The service token is invalid' },
  // The same codes identity answers, so a client sees one code whichever layer refused.
  ORGANIZATION_NOT_FOUND: { status: 404, title: 'Organization not found' },
  INSUFFICIENT_ROLE: { status: 403, title: 'Your role does not allow this' },
  INSUFFICIENT_SCOPE: { status: 403, title: 'The API key lacks the scope for this' },
});

const defaultMethods = ['totp', 'webauthn', 'recovery_code'];
const defaultStepUpSeconds = 300;

export function acceptedCredentials(policy: RoutePolicy): CredentialKind[] {
  if (policy.via) return policy.via;
  return ['session', ...(policy.apiKeyScope ? (['apiKey'] as const) : []), ...(policy.serviceScope ? (['service'] as const) : [])];
}

export function credentialOf(auth: AuthContext | null): CredentialKind | null {
  if (!auth) return null;
  if (auth.service) return 'service';
  if (auth.apiKey) return 'apiKey';
  return auth.userId ? 'session' : null;
}

/** The policy as published in OpenAPI (`x-domus-policy`). */
export function describePolicy(policy: RoutePolicy): Record<string, unknown> {
  return {
    access: policy.access,
    ...(policy.access === 'authenticated' ? { via: acceptedCredentials(policy) } : {}),
    ...(policy.apiKeyScope ? { apiKeyScope: policy.apiKeyScope } : {}),
    ...(policy.serviceScope ? { serviceScope: policy.serviceScope } : {}),
    tenant: policy.tenant,
    ...(policy.role ? { role: policy.role } : {}),
    ...(policy.stepUp ? { stepUp: policy.stepUp } : {}),
    ...(policy.sensitive ? { sensitive: true } : {}),
    ownership: policy.ownership,
  };
}

/** Keeps denial entries from flooding the audit log: at most `limit` per key and minute. */
class AuditThrottle {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(private readonly limit = 20) {}
  allow(key: string, now: number): boolean {
    const window = this.windows.get(key);
    if (!window || now - window.start >= 60_000) {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(key, { start: now, count: 1 });
      return true;
    }
    window.count += 1;
    return window.count <= this.limit;
  }
}

export class PolicyGateway {
  private readonly unguarded: string[] = [];
  private readonly throttle = new AuditThrottle();
  private readonly pendingAudits = new Set<Promise<void>>();

  constructor(private readonly options: PolicyGatewayOptions) {}

  /** /api routes registered without a policy (denied at run time; tests fail on any). */
  routesWithoutPolicy(): readonly string[] {
    return this.unguarded;
  }

  /** Resolves `Authorization: Bearer dst_...`; null when the request carries no service token. */
  authenticateServiceToken(request: FastifyRequest): AuthContext | null {
    const header = request.headers.authorization;
    if (!header || !/^Bearer\s+dst_/i.test(header)) return null;
    const result = verifyServiceToken(this.options.secrets, this.options.clock, header.replace(/^Bearer\s+/i, ''));
    if (!result.ok) {
      this.recordDenial(request, null, 'security.credential.rejected', { credential: 'service_token', reason: result.reason });
      throw policyErrors.INVALID_SERVICE_TOKEN(`The service token is ${result.reason}; issue a fresh one (npm run domus -- service-token).`);
    }
    return { userId: null, sessionId: null, apiKey: null, service: { name: result.claims.sub, scopes: result.claims.scp, tokenId: result.claims.jti } };
  }

  /**
   * Who is calling: a service token, else the identity authenticator (session cookie or API key).
   * A credential that is presented but refused is recorded in the audit log before the 401.
   */
  async authenticate(request: FastifyRequest, reply: FastifyReply, authenticator: Authenticator): Promise<AuthContext | null> {
    const service = this.authenticateServiceToken(request);
    if (service) return service;
    try {
      return await authenticator(request, reply);
    } catch (error) {
      if (error instanceof AppError && error.status === 401) {
        this.recordDenial(request, null, 'security.credential.rejected', { credential: 'api_key', reason: error.code });
      }
      throw error;
    }
  }

  /**
   * Adds the enforcement hook and the route bookkeeping; call before any route is registered.
   * `authenticate` (who is calling) runs in the same hook for every /api request, before the policy.
   */
  install(app: FastifyInstance, authenticate?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>): void {
    app.addHook('onRoute', (route: RouteOptions) => {
      if (!route.url.startsWith('/api/')) return;
      const policy = route.config?.policy;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (!policy) {
        for (const method of methods) if (method !== 'HEAD') this.unguarded.push(`${method} ${route.url}`);
        this.options.logger.warn({ url: route.url }, 'route registered without an access policy: it will be refused');
        return;
      }
      const security = policy.access === 'public' ? [] : acceptedCredentials(policy).map((kind) => ({ [kind === 'service' ? 'serviceToken' : kind]: [] }));
      route.schema = { ...(route.schema ?? {}), 'x-domus-policy': describePolicy(policy), security } as RouteOptions['schema'];
    });
    // PostgreSQL text cannot hold U+0000: refuse it in any parameter before it reaches SQL (400, not 500).
    app.addHook('preValidation', async (request) => {
      if (!request.url.startsWith('/api/')) return;
      for (const [location, value] of [['params', request.params], ['query', request.query], ['body', request.body]] as const) {
        const path = findNul(value, location === 'body' ? '' : location, 0);
        if (path !== null) throw platformErrors.VALIDATION_FAILED(`${path || 'body'} contains a NUL character (U+0000); remove it.`, [{ path: path || 'body', message: 'contains a NUL character' }]);
      }
    });
    app.addHook('onRequest', async (request, reply) => {
      // Only the API acts for a caller: static assets, probes and docs never pay a session lookup.
      if (authenticate && request.url.startsWith('/api/')) await authenticate(request, reply);
      // Fastify builds `routeOptions` afresh on each read: read it once.
      const { url, config } = request.routeOptions;
      if (!url || !url.startsWith('/api/')) return;
      const policy = config.policy;
      if (!policy) throw policyErrors.POLICY_MISSING(`${request.method} ${url} declares no access policy, so it is refused (deny by default).`);
      await this.enforce(request, policy, reply);
    });
  }

  async enforce(request: FastifyRequest, policy: RoutePolicy, reply?: FastifyReply): Promise<void> {
    if (policy.access === 'public') return;
    const auth = request.auth;
    const kind = credentialOf(auth);
    if (!auth || !kind) {
      const cookie = request.cookies?.[this.options.sessionCookieName];
      if (cookie) this.recordDenial(request, null, 'security.credential.rejected', { credential: 'session_cookie', reason: 'unknown, expired or revoked' });
      throw platformErrors.UNAUTHENTICATED(cookie ? 'Your session is unknown or has expired; log in again.' : 'Log in, or send an API key or service token.');
    }
    const accepted = acceptedCredentials(policy);
    if (!accepted.includes(kind)) {
      this.recordDenial(request, auth, 'security.access.denied', { reason: 'credential_not_accepted', credential: kind });
      const names: Record<CredentialKind, string> = { session: 'a signed-in user', apiKey: 'an API key', service: 'a service token' };
      throw policyErrors.CREDENTIAL_NOT_ACCEPTED(`This route accepts ${accepted.map((item) => names[item]).join(' or ')}, not ${names[kind]}.`);
    }
    if (kind === 'service' && policy.serviceScope && !auth.service?.scopes.includes(policy.serviceScope)) {
      this.recordDenial(request, auth, 'security.access.denied', { reason: 'service_scope', scope: policy.serviceScope });
      throw policyErrors.INSUFFICIENT_SCOPE(`This service token lacks the "${policy.serviceScope}" scope.`);
    }
    if (typeof policy.tenant === 'object') await this.checkTenant(request, auth, policy, policy.tenant);
    else if (kind === 'apiKey' && policy.apiKeyScope && !auth.apiKey?.scopes.includes(policy.apiKeyScope)) {
      this.recordDenial(request, auth, 'security.access.denied', { reason: 'api_key_scope', scope: policy.apiKeyScope });
      throw policyErrors.INSUFFICIENT_SCOPE(`This API key lacks the "${policy.apiKeyScope}" scope.`);
    }

    let stepUp = policy.stepUp;
    if (policy.sensitive && this.options.risk) {
      const assessment = await this.options.risk.assess(request, auth);
      if (assessment.decision === 'deny') {
        this.recordDenial(request, auth, 'security.risk.denied', { score: assessment.score, reasons: assessment.reasons });
        throw policyErrors.RISK_DENIED(`This request looks too risky to allow (${assessment.reasons.join(', ') || 'risk score ' + assessment.score}); contact support if it was you.`);
      }
      if (assessment.decision === 'step_up') stepUp = { maxAgeSeconds: Math.min(stepUp?.maxAgeSeconds ?? defaultStepUpSeconds, defaultStepUpSeconds) };
    }
    if (stepUp) await this.checkStepUp(request, auth, kind, stepUp.maxAgeSeconds, reply);
  }

  private async checkTenant(request: FastifyRequest, auth: AuthContext, policy: RoutePolicy, rule: { param: string } | { query: string }): Promise<void> {
    const source = 'param' in rule ? (request.params as Record<string, unknown>)[rule.param] : (request.query as Record<string, unknown> | undefined)?.[rule.query];
    const organizationId = typeof source === 'string' ? source : undefined;
    // Not an id at all: the route's validation answers 400 naming the parameter.
    if (!organizationId || !isUuid(organizationId)) return;
    const standing = await this.options.standing(auth, organizationId);
    if (!standing) {
      this.recordDenial(request, auth, 'security.access.denied', { reason: 'not_a_member', organizationId });
      throw policyErrors.ORGANIZATION_NOT_FOUND(`No organization ${organizationId} that you belong to.`);
    }
    const { roleRank } = this.options;
    if (standing.scopes !== 'all') {
      if (policy.apiKeyScope && !standing.scopes.includes(policy.apiKeyScope)) {
        this.recordDenial(request, auth, 'security.access.denied', { reason: 'api_key_scope', scope: policy.apiKeyScope, organizationId });
        throw policyErrors.INSUFFICIENT_SCOPE(`This API key lacks the "${policy.apiKeyScope}" scope.`);
      }
      if (policy.role && (roleRank[policy.role] ?? Infinity) > (roleRank[this.options.apiKeyMaxRole] ?? 0)) {
        this.recordDenial(request, auth, 'security.access.denied', { reason: 'role', role: policy.role, organizationId });
        throw policyErrors.INSUFFICIENT_ROLE(`API keys act with at most ${this.options.apiKeyMaxRole} rights; this needs ${policy.role}.`);
      }
      return;
    }
    if (policy.role && (roleRank[standing.role ?? ''] ?? 0) < (roleRank[policy.role] ?? Infinity)) {
      this.recordDenial(request, auth, 'security.access.denied', { reason: 'role', role: policy.role, has: standing.role, organizationId });
      throw policyErrors.INSUFFICIENT_ROLE(`This needs the ${policy.role} role or higher; you are ${standing.role ?? 'not a member'}.`);
    }
  }

  private async checkStepUp(request: FastifyRequest, auth: AuthContext, kind: CredentialKind, maxAgeSeconds: number, reply?: FastifyReply): Promise<void> {
    if (kind !== 'session') {
      this.recordDenial(request, auth, 'security.access.denied', { reason: 'step_up_needs_session', credential: kind });
      throw policyErrors.CREDENTIAL_NOT_ACCEPTED('This action needs a person who passed multi-factor authentication; API keys and service tokens cannot do it.');
    }
    const verifiedAt = auth.mfaVerifiedAt ? new Date(auth.mfaVerifiedAt).getTime() : null;
    const now = this.options.clock.now().getTime();
    if (verifiedAt !== null && now - verifiedAt <= maxAgeSeconds * 1000 && verifiedAt <= now + 5_000) return;
    const methods = this.options.stepUpMethods ? await this.options.stepUpMethods(auth) : defaultMethods;
    this.recordDenial(request, auth, 'security.step_up.required', { maxAgeSeconds, lastVerifiedAt: verifiedAt === null ? null : new Date(verifiedAt).toISOString() });
    reply?.header('www-authenticate', `DomusStepUp max_age=${maxAgeSeconds}`);
    throw policyErrors.STEP_UP_REQUIRED(
      methods.length > 0
        ? `Confirm it is you: verify a second factor (${methods.join(', ')}) at POST /api/v1/security/step-up, then retry. It stays valid for ${maxAgeSeconds} s.`
        : 'This action needs multi-factor authentication, and you have no second factor yet: enrol one in your security settings, then retry.',
      [],
      { stepUp: { methods, maxAgeSeconds } },
    );
  }

  private recordDenial(request: FastifyRequest, auth: AuthContext | null, action: string, details: Record<string, unknown>): void {
    const actor = actorOf(auth);
    if (!this.throttle.allow(`${action}:${request.ip}:${actor.id ?? ''}`, this.options.clock.now().getTime())) return;
    const pending = this.options.audit.recordQuietly({
      action,
      outcome: 'denied',
      actor,
      ip: request.ip,
      requestId: request.id,
      details: { method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0], ...details },
    });
    this.pendingAudits.add(pending);
    void pending.finally(() => this.pendingAudits.delete(pending));
  }

  /** Resolves once the denial entries recorded so far are written (tests, shutdown). */
  async flushAudit(): Promise<void> {
    await Promise.all([...this.pendingAudits]);
  }
}

/** The dotted path of the first string (or key) holding U+0000, or null. */
function findNul(value: unknown, path: string, depth: number): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (!value || typeof value !== 'object' || depth > 32 || Buffer.isBuffer(value)) return null;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const itemPath = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return itemPath;
    const found = findNul(item, itemPath, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
