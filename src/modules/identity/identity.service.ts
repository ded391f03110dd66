import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../platform/clock';
import { isUuid, newId } from '../../platform/ids';
import type { Logger } from '../../platform/logger';
import type { AuthContext } from '../../platform/http';
import { platformErrors } from '../../platform/errors';
import { identityErrors } from './identity.errors';
import { IdentityRepository, type ApiKeyRow, type OrganizationRow, type ProfileRow, type UserRow } from './identity.repository';
import { roleRank, type ApiKeyScope, type Organization, type Role, type User } from './identity.schema';
import { openLogInGuard, type AuthenticationExchange, type LogInAssessment, type LogInGuard } from './identity.hooks';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords';
import type { PendingSecondFactor, SecondFactorGate } from './identity.second-factor';
import { IdentityCache, WriteBehind, type AccessChange, type CachedSession } from './identity.cache';
import type { EventBus } from '../../platform/events';

export interface IdentityServiceOptions {
  sessionTtlHours: number;
  clock: Clock;
  logger: Logger;
  /** Lock-out, risk and device binding around log-in (the security module); open when absent. */
  logInGuard?: LogInGuard;
  /** Carries access changes to the other nodes' caches. */
  bus: EventBus;
  /** Lifetime of the per-node caches (AUTH_CACHE_TTL_SECONDS); 0 turns them off. */
  cacheTtlSeconds: number;
}

export interface Standing {
  organizationId: string;
  /** The member's role; null for an API key. */
  role: Role | null;
  /** 'all' for a signed-in member; the key's scopes for an API key. */
  scopes: ApiKeyScope[] | 'all';
}

// One-shot hashing (no Hash object): this runs on every request that carries a session cookie.
const sha256 = (value: string) => hash('sha256', value, 'hex');
const sessionRefreshMs = 5 * 60_000;
const apiKeyUseRefreshMs = 60_000;
/** How often queued "last seen" / "last used" writes go to the database. */
const writeBehindMs = 5_000;

export class IdentityService {
  /** Per-node caches of sessions, roles and API keys, kept right by access-change notices. */
  readonly cache: IdentityCache;
  private readonly sessionTouches: WriteBehind<{ lastSeenAt: Date; expiresAt: Date }>;
  private readonly apiKeyUses: WriteBehind<Date>;

  constructor(
    private readonly repository: IdentityRepository,
    private readonly options: IdentityServiceOptions,
  ) {
    this.cache = new IdentityCache(options.bus, options.clock, options.cacheTtlSeconds, options.logger);
    this.sessionTouches = new WriteBehind((batch) => repository.touchSessions(batch), writeBehindMs, options.logger, 'session activity');
    this.apiKeyUses = new WriteBehind((batch) => repository.markApiKeysUsed(batch), writeBehindMs, options.logger, 'API key use');
  }

  /** Writes queued activity and stops listening for access changes (shutdown). */
  async stop(): Promise<void> {
    this.cache.stop();
    await Promise.all([this.sessionTouches.stop(), this.apiKeyUses.stop()]);
  }

  /** Writes queued session and API-key activity now (before reading it back, and in tests). */
  async flushActivity(): Promise<void> {
    await Promise.all([this.sessionTouches.flush(), this.apiKeyUses.flush()]);
  }

  /** Drops cached access on this node and every other one (after the change is committed). */
  accessChanged(change: AccessChange): Promise<void> {
    return this.cache.changed(change);
  }

  private now(): Date {
    return this.options.clock.now();
  }

  get guard(): LogInGuard {
    return this.options.logInGuard ?? openLogInGuard;
  }

  private secondFactor: SecondFactorGate | null = null;

  /** The security module's MFA area hands in its gate once both modules exist. */
  useSecondFactor(gate: SecondFactorGate): void {
    this.secondFactor = gate;
  }

  /** After a correct password: a pending second-factor step, or null when the log-in may finish now. */
  async secondFactorStep(userId: string, input: { riskStepUp: boolean; deviceId: string | null }): Promise<PendingSecondFactor | null> {
    return this.secondFactor ? this.secondFactor.beginLogIn(userId, input) : null;
  }

  // ---- accounts and sessions -------------------------------------------------------------

  async signUp(input: { email: string; password: string; displayName: string }): Promise<User> {
    return this.signUpWithPasswordHash({ email: input.email, passwordHash: await hashPassword(input.password), displayName: input.displayName });
  }

  /** Hashes like sign-up does: for loaders whose many accounts share one password (argon2 costs ~50 ms a hash). */
  hashPassword(password: string): Promise<string> {
    return hashPassword(password);
  }

  /** Sign-up with a hash made by hashPassword (no HTTP route; the demo-data loader). */
  async signUpWithPasswordHash(input: { email: string; passwordHash: string; displayName: string }): Promise<User> {
    const now = this.now();
    const row: UserRow = {
      id: newId(now.getTime()),
      email: input.email,
      password_hash: input.passwordHash,
      display_name: input.displayName,
      created_at: now,
      updated_at: now,
    };
    const inserted = await this.repository.insertUser(row);
    if (!inserted) throw identityErrors.EMAIL_TAKEN(`An account for ${input.email} exists already; log in instead.`, [{ path: 'email', message: 'is already registered' }]);
    return toUser(row);
  }

  /** Sign-up over HTTP: the guard vets the password and names the device the first session binds to. */
  async signUpFrom(
    input: { email: string; password: string; displayName: string },
    exchange: AuthenticationExchange,
  ): Promise<{ user: User; deviceId: string | null }> {
    this.guard.vetExchange(exchange);
    await this.guard.checkNewPassword(input.password, { email: input.email, displayName: input.displayName });
    const user = await this.signUp(input);
    const { deviceId } = await this.guard.accountCreated(user, exchange);
    return { user, deviceId };
  }

  /** Checks email and password without the guard (operator tools, loaders, tests). */
  async logIn(email: string, password: string): Promise<User> {
    const user = await this.repository.findUserByEmail(email);
    if (!user) {
      await burnPasswordCheck(password);
      throw identityErrors.INVALID_CREDENTIALS('The email or the password is wrong.');
    }
    if (!(await verifyPassword(user.password_hash, password))) {
      throw identityErrors.INVALID_CREDENTIALS('The email or the password is wrong.');
    }
    return toUser(user);
  }

  /**
   * Log-in over HTTP: the password check between the guard's hooks — lock-out and progressive
   * delay before, failure counting or the risk decision after (a `deny` throws inside the guard).
   */
  async logInFrom(email: string, password: string, exchange: AuthenticationExchange): Promise<{ user: User; assessment: LogInAssessment }> {
    this.guard.vetExchange(exchange);
    await this.guard.beforePasswordCheck(email, exchange);
    const row = await this.repository.findUserByEmail(email);
    if (!row) {
      await burnPasswordCheck(password);
      await this.guard.passwordRejected(email, null, exchange);
      throw identityErrors.INVALID_CREDENTIALS('The email or the password is wrong.');
    }
    if (!(await verifyPassword(row.password_hash, password))) {
      await this.guard.passwordRejected(email, row.id, exchange);
      throw identityErrors.INVALID_CREDENTIALS('The email or the password is wrong.');
    }
    const user = toUser(row);
    return { user, assessment: await this.guard.passwordAccepted(user, exchange) };
  }

  /** Creates a server-side session and returns the opaque token for the cookie. */
  async openSession(
    userId: string,
    client: { ip?: string; userAgent?: string },
    options: { mfaVerifiedAt?: Date | null; deviceId?: string | null } = {},
  ): Promise<{ token: string; expiresAt: Date }> {
    const now = this.now();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.options.sessionTtlHours * 3_600_000);
    await this.repository.insertSession({
      id: sha256(token),
      user_id: userId,
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
      revoked_at: null,
      ip: client.ip ?? null,
      user_agent: client.userAgent?.slice(0, 400) ?? null,
      mfa_verified_at: options.mfaVerifiedAt ?? null,
      device_id: options.deviceId ?? null,
    });
    // A session opened with a fresh second factor completes a log-in that asked for one.
    if (options.mfaVerifiedAt) await this.guard.secondFactorPassed(userId, options.deviceId ?? null);
    return { token, expiresAt };
  }

  async closeSession(token: string): Promise<void> {
    const id = sha256(token);
    await this.repository.revokeSession(id, this.now());
    await this.accessChanged({ reason: 'log-out', sessions: [id] });
  }

  /**
   * The session behind a cookie token, from this node's cache when it holds it (a revocation
   * anywhere drops it everywhere: see IdentityCache); expired, revoked or unknown → null.
   */
  async resolveSession(token: string): Promise<AuthContext | null> {
    if (token.length < 20 || token.length > 100) return null;
    const id = sha256(token);
    const cached = this.cache.sessions.peek(id);
    const session = cached !== undefined ? cached : await this.cache.sessions.get(id, () => this.loadSession(id), (found) => found !== null);
    if (!session) return null;
    const now = this.now();
    if (session.expiresAt.getTime() <= now.getTime()) {
      this.cache.sessions.delete(id);
      return null;
    }
    if (now.getTime() - session.lastSeenAt.getTime() > sessionRefreshMs) {
      // Sliding expiry, written behind (batched) at most every five minutes per session.
      const touch = { lastSeenAt: now, expiresAt: new Date(now.getTime() + this.options.sessionTtlHours * 3_600_000) };
      this.sessionTouches.queue(id, touch);
      this.cache.sessions.update(id, (cached) => (cached ? { ...cached, ...touch } : cached));
    }
    return { userId: session.userId, sessionId: session.id, mfaVerifiedAt: session.mfaVerifiedAt, deviceId: session.deviceId, apiKey: null };
  }

  private async loadSession(id: string): Promise<CachedSession | null> {
    const row = await this.repository.findActiveSession(id, this.now());
    if (!row) return null;
    const queued = this.sessionTouches.queued(id);
    return {
      id: row.id,
      userId: row.user_id,
      mfaVerifiedAt: row.mfa_verified_at,
      deviceId: row.device_id,
      lastSeenAt: queued && queued.lastSeenAt > row.last_seen_at ? queued.lastSeenAt : row.last_seen_at,
      expiresAt: queued && queued.expiresAt > row.expires_at ? queued.expiresAt : row.expires_at,
    };
  }

  /**
   * Whether a session is still active, read from the database (never the cache): for holders of
   * long-lived connections (realtime sockets) re-checking after an `identity.access.changed`, which
   * may reach them before this node's cache has dropped the session.
   */
  async sessionStillActive(sessionId: string): Promise<boolean> {
    // Unrevoked, whatever its stored expiry: the sliding expiry is written behind, and a queued
    // touch may extend what the row says.
    const row = await this.repository.findActiveSession(sessionId, new Date(0));
    if (!row) return false;
    const queued = this.sessionTouches.queued(sessionId);
    const expiresAt = queued && queued.expiresAt > row.expires_at ? queued.expiresAt : row.expires_at;
    return expiresAt.getTime() > this.now().getTime();
  }

  /** Records that a session passed a second factor now (step-up). */
  async markSessionMfaVerified(sessionId: string): Promise<Date> {
    const now = this.now();
    await this.repository.markSessionMfaVerified(sessionId, now);
    await this.accessChanged({ reason: 'second factor passed', sessions: [sessionId] });
    return now;
  }

  /** Ends every other session of the user (after a factor was enrolled or removed); returns the count. */
  async revokeOtherSessions(userId: string, keepSessionId: string | null): Promise<number> {
    const ended = await this.repository.revokeOtherSessions(userId, keepSessionId, this.now());
    await this.accessChanged({ reason: 'other sessions ended', users: [userId] });
    return ended;
  }

  /**
   * Changes the signed-in user's password: the current one must be given (the guard's lock-out
   * and failure counting apply, so a stolen session cannot guess it), the new one is vetted like
   * a sign-up's and must differ; then, in one transaction, the new hash is stored and every other
   * session ends, and every node drops that user's cached sessions.
   */
  async changePasswordFrom(
    caller: { userId: string; sessionId: string },
    input: { currentPassword: string; newPassword: string },
    exchange: AuthenticationExchange,
  ): Promise<{ endedSessions: number }> {
    this.guard.vetExchange(exchange);
    const row = await this.repository.findUserById(caller.userId);
    if (!row) throw identityErrors.USER_NOT_FOUND('Your account no longer exists.');
    await this.guard.beforePasswordCheck(row.email, exchange);
    if (!(await verifyPassword(row.password_hash, input.currentPassword))) {
      await this.guard.passwordRejected(row.email, row.id, exchange);
      throw identityErrors.CURRENT_PASSWORD_INCORRECT('The current password is wrong; enter the one you log in with.', [{ path: 'currentPassword', message: 'is wrong' }]);
    }
    if (input.newPassword === input.currentPassword) {
      throw identityErrors.PASSWORD_UNCHANGED('Choose a new password that differs from the current one.', [{ path: 'newPassword', message: 'is the current password' }]);
    }
    await this.guard.checkNewPassword(input.newPassword, { email: row.email, displayName: row.display_name, field: 'newPassword' });
    const endedSessions = await this.repository.changePassword(row.id, await hashPassword(input.newPassword), caller.sessionId, this.now());
    await this.accessChanged({ reason: 'password changed', users: [row.id] });
    return { endedSessions };
  }

  /** Checks the user's password without logging in (fresh authentication before sensitive changes). */
  async checkPassword(userId: string, password: string): Promise<boolean> {
    const user = await this.repository.findUserById(userId);
    if (!user) return false;
    return verifyPassword(user.password_hash, password);
  }

  /** The user's active sessions (the devices & sessions page); ids are the stored hashes, never tokens. */
  async listSessions(userId: string) {
    await this.sessionTouches.flush();
    const rows = await this.repository.listActiveSessions(userId, this.now());
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at.toISOString(),
      lastSeenAt: row.last_seen_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      ip: row.ip,
      userAgent: row.user_agent,
      deviceId: row.device_id,
      mfaVerifiedAt: row.mfa_verified_at?.toISOString() ?? null,
    }));
  }

  /** Ends the user's sessions bound to a device (the device was revoked); returns the count. */
  async revokeDeviceSessions(userId: string, deviceId: string): Promise<number> {
    const ended = await this.repository.revokeDeviceSessions(userId, deviceId, this.now());
    await this.accessChanged({ reason: 'device revoked', users: [userId] });
    return ended;
  }

  /** Ends one of the user's sessions; false when no such active session is theirs. */
  async revokeUserSession(userId: string, sessionId: string): Promise<boolean> {
    const ended = await this.repository.revokeUserSession(userId, sessionId, this.now());
    await this.accessChanged({ reason: 'session revoked', sessions: [sessionId] });
    return ended;
  }

  async getUser(userId: string): Promise<User> {
    const user = await this.repository.findUserById(userId);
    if (!user) throw platformErrors.UNAUTHENTICATED('Your account no longer exists.');
    return toUser(user);
  }

  async findUserByEmail(email: string): Promise<User | null> {
    const user = await this.repository.findUserByEmail(email);
    return user ? toUser(user) : null;
  }

  // ---- API keys --------------------------------------------------------------------------

  async createApiKey(organizationId: string, createdBy: string | null, name: string, scopes: ApiKeyScope[]) {
    const now = this.now();
    const prefix = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row: ApiKeyRow = {
      id: newId(now.getTime()),
      organization_id: organizationId,
      name,
      prefix,
      secret_hash: sha256(secret),
      scopes: [...new Set(scopes)],
      created_by: createdBy,
      created_at: now,
      last_used_at: null,
      revoked_at: null,
    };
    await this.repository.insertApiKey(row);
    return { ...toApiKey(row), key: `dk_${prefix}_${secret}` };
  }

  async listApiKeys(organizationId: string) {
    await this.apiKeyUses.flush();
    return (await this.repository.listApiKeys(organizationId)).map(toApiKey);
  }

  async revokeApiKey(organizationId: string, keyId: string): Promise<void> {
    const existing = await this.repository.findApiKey(organizationId, keyId);
    if (!existing) throw identityErrors.API_KEY_NOT_FOUND(`No API key ${keyId} in this organization.`);
    await this.repository.revokeApiKey(organizationId, keyId, this.now());
    await this.accessChanged({ reason: 'API key revoked', apiKeys: [existing.prefix] });
  }

  /** Resolves `dk_<prefix>_<secret>`; throws INVALID_API_KEY for anything else. */
  async resolveApiKey(presented: string): Promise<AuthContext> {
    const match = /^dk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(presented);
    const invalid = () => identityErrors.INVALID_API_KEY('The API key is malformed, unknown or revoked.');
    if (!match) throw invalid();
    const prefix = match[1] as string;
    const row = await this.cache.apiKeys.get(prefix, async () => (await this.repository.findApiKeyByPrefix(prefix)) ?? null, (found) => !!found && !found.revoked_at);
    if (!row || row.revoked_at) throw invalid();
    const expected = Buffer.from(row.secret_hash, 'hex');
    const given = Buffer.from(sha256(match[2] as string), 'hex');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    const now = this.now();
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > apiKeyUseRefreshMs) {
      // Written behind, at most once a minute per key.
      this.apiKeyUses.queue(row.id, now);
      this.cache.apiKeys.update(prefix, (cached) => (cached ? { ...cached, last_used_at: now } : cached));
    }
    return { userId: null, sessionId: null, apiKey: { id: row.id, organizationId: row.organization_id, scopes: row.scopes } };
  }

  // ---- organizations and access ----------------------------------------------------------

  async createOrganization(ownerUserId: string, name: string, slug?: string): Promise<Organization> {
    const now = this.now();
    const row: OrganizationRow = {
      id: newId(now.getTime()),
      name,
      slug: slug ?? slugify(name, randomBytes(3).toString('hex')),
      created_at: now,
      updated_at: now,
    };
    if (!(await this.repository.insertOrganizationWithOwner(row, ownerUserId))) {
      throw identityErrors.SLUG_TAKEN(`The slug "${row.slug}" is taken; choose another.`, [{ path: 'slug', message: 'is taken' }]);
    }
    await this.accessChanged({ reason: 'organization created', memberships: [{ organizationId: row.id, userId: ownerUserId }] });
    return toOrganization(row, 'owner');
  }

  async listOrganizations(auth: AuthContext): Promise<Organization[]> {
    if (auth.apiKey) {
      const organization = await this.repository.findOrganization(auth.apiKey.organizationId);
      return organization ? [toOrganization(organization, null)] : [];
    }
    if (!auth.userId) return [];
    const rows = await this.repository.listMembershipsOfUser(auth.userId);
    return rows.map((row) => toOrganization(row, row.role));
  }

  async memberships(userId: string) {
    const rows = await this.repository.listMembershipsOfUser(userId);
    return rows.map((row) => ({ organizationId: row.id, organizationName: row.name, organizationSlug: row.slug, role: row.role }));
  }

  /** The caller's standing in an organization, or null when it has none (then answer 404). */
  async standing(auth: AuthContext | null, organizationId: string): Promise<Standing | null> {
    if (!auth) return null;
    if (auth.apiKey) {
      return auth.apiKey.organizationId === organizationId
        ? { organizationId, role: null, scopes: auth.apiKey.scopes as ApiKeyScope[] }
        : null;
    }
    if (!auth.userId) return null;
    const userId = auth.userId;
    const role = await this.cache.standing(userId, organizationId, async () => (await this.repository.findMembership(organizationId, userId))?.role ?? null);
    return role ? { organizationId, role, scopes: 'all' } : null;
  }

  /**
   * Deny by default: no standing answers `notFound()` (never revealing that the resource exists),
   * too low a role or a missing API-key scope answers 403.
   */
  async require(
    auth: AuthContext | null,
    organizationId: string,
    minimum: Role,
    scope: ApiKeyScope,
    notFound: () => Error = () => identityErrors.ORGANIZATION_NOT_FOUND(`No organization ${organizationId} that you belong to.`),
  ): Promise<Standing> {
    if (!auth) throw platformErrors.UNAUTHENTICATED('Log in or send an API key.');
    const standing = await this.standing(auth, organizationId);
    if (!standing) throw notFound();
    if (standing.scopes !== 'all') {
      if (!standing.scopes.includes(scope)) throw identityErrors.INSUFFICIENT_SCOPE(`This API key lacks the "${scope}" scope.`);
      // API keys act with at most agent rights: they never manage members or keys.
      if (roleRank[minimum] > roleRank.agent) throw identityErrors.INSUFFICIENT_ROLE('API keys cannot manage the organization.');
      return standing;
    }
    if (standing.role && roleRank[standing.role] < roleRank[minimum]) {
      throw identityErrors.INSUFFICIENT_ROLE(`This needs the ${minimum} role or higher; you are ${standing.role}.`);
    }
    return standing;
  }

  /** Organizations whose private data the caller may read. */
  async readableOrganizationIds(auth: AuthContext | null): Promise<string[]> {
    if (!auth) return [];
    if (auth.apiKey) return auth.apiKey.scopes.includes('listings:read') ? [auth.apiKey.organizationId] : [];
    if (!auth.userId) return [];
    return (await this.repository.listMembershipsOfUser(auth.userId)).map((row) => row.id);
  }

  async getOrganization(auth: AuthContext, organizationId: string): Promise<Organization> {
    const standing = await this.require(auth, organizationId, 'viewer', 'listings:read');
    const row = await this.repository.findOrganization(organizationId);
    if (!row) throw identityErrors.ORGANIZATION_NOT_FOUND(`No organization ${organizationId}.`);
    return toOrganization(row, standing.role);
  }

  async renameOrganization(auth: AuthContext, organizationId: string, name: string): Promise<Organization> {
    const standing = await this.require(auth, organizationId, 'admin', 'listings:write');
    const row = await this.repository.updateOrganization(organizationId, name, this.now());
    if (!row) throw identityErrors.ORGANIZATION_NOT_FOUND(`No organization ${organizationId}.`);
    return toOrganization(row, standing.role);
  }

  async listMembers(auth: AuthContext, organizationId: string) {
    await this.require(auth, organizationId, 'viewer', 'members:read');
    const rows = await this.repository.listMembers(organizationId);
    return rows.map((row) => ({ userId: row.id, email: row.email, displayName: row.display_name, role: row.role, joinedAt: row.created_at.toISOString() }));
  }

  async addMember(auth: AuthContext, organizationId: string, email: string, role: Role) {
    const standing = await this.require(auth, organizationId, 'admin', 'listings:write');
    assertMayGrant(standing.role, role);
    const user = await this.repository.findUserByEmail(email);
    if (!user) throw identityErrors.USER_NOT_FOUND(`No Domus account uses ${email}; ask them to sign up first.`, [{ path: 'email', message: 'has no account' }]);
    const now = this.now();
    if (!(await this.repository.insertMembership(organizationId, user.id, role, now))) {
      throw identityErrors.ALREADY_MEMBER(`${email} is already a member.`);
    }
    await this.accessChanged({ reason: 'member added', memberships: [{ organizationId, userId: user.id }] });
    return { userId: user.id, email: user.email, displayName: user.display_name, role, joinedAt: now.toISOString() };
  }

  // ---- operator and seeding paths (no HTTP route; the CLI and the demo-data loader) ---------

  /** Adds a member without an acting user; false when the user already belongs to the organization. */
  async addMemberDirect(organizationId: string, userId: string, role: Role): Promise<boolean> {
    const added = await this.repository.insertMembership(organizationId, userId, role, this.now());
    if (added) await this.accessChanged({ reason: 'member added', memberships: [{ organizationId, userId }] });
    return added;
  }

  /** An organization by id (a UUID) or by slug, without access checks. */
  async findOrganization(idOrSlug: string): Promise<Organization | null> {
    const row = isUuid(idOrSlug) ? await this.repository.findOrganization(idOrSlug) : await this.repository.findOrganizationBySlug(idOrSlug);
    return row ? toOrganization(row, null) : null;
  }

  countAccounts(): Promise<{ users: number; organizations: number }> {
    return this.repository.countAccounts();
  }

  async changeMemberRole(auth: AuthContext, organizationId: string, userId: string, role: Role) {
    const standing = await this.require(auth, organizationId, 'admin', 'listings:write');
    const member = await this.repository.transaction(async (trx) => {
      const target = await this.repository.findMembership(organizationId, userId, trx);
      if (!target) throw identityErrors.MEMBER_NOT_FOUND(`User ${userId} is not a member.`);
      assertMayGrant(standing.role, target.role);
      assertMayGrant(standing.role, role);
      if (target.role === 'owner' && role !== 'owner' && (await this.repository.countOwnersForUpdate(organizationId, trx)) <= 1) {
        throw identityErrors.LAST_OWNER('Make someone else owner before changing the last owner.');
      }
      await this.repository.updateMembershipRole(organizationId, userId, role, trx);
      const user = await this.repository.findUserById(userId, trx);
      return { userId, email: user?.email ?? '', displayName: user?.display_name ?? '', role, joinedAt: target.created_at.toISOString() };
    });
    // After the commit: a node that reloaded before it would cache the old role again.
    await this.accessChanged({ reason: 'role changed', memberships: [{ organizationId, userId }] });
    return member;
  }

  async removeMember(auth: AuthContext, organizationId: string, userId: string): Promise<void> {
    const self = auth.userId === userId;
    const standing = self
      ? await this.require(auth, organizationId, 'viewer', 'listings:write')
      : await this.require(auth, organizationId, 'admin', 'listings:write');
    await this.repository.transaction(async (trx) => {
      const target = await this.repository.findMembership(organizationId, userId, trx);
      if (!target) throw identityErrors.MEMBER_NOT_FOUND(`User ${userId} is not a member.`);
      if (!self) assertMayGrant(standing.role, target.role);
      if (target.role === 'owner' && (await this.repository.countOwnersForUpdate(organizationId, trx)) <= 1) {
        throw identityErrors.LAST_OWNER('An organization needs at least one owner.');
      }
      await this.repository.deleteMembership(organizationId, userId, trx);
    });
    await this.accessChanged({ reason: 'member removed', memberships: [{ organizationId, userId }] });
  }

  // ---- GDPR erasure ----------------------------------------------------------------------

  /**
   * Erasure (security privacy): removes what identifies the person — e-mail, name, password,
   * profile, sessions, memberships — and keeps the user id as a pseudonym, so deals and audit
   * entries that must stay (legal retention) keep their references without naming anyone.
   * Refused while the person owns an organization that others belong to (hand it over first).
   */
  async erasePerson(userId: string): Promise<void> {
    const owned = (await this.repository.listMembershipsOfUser(userId)).filter((row) => row.role === 'owner');
    for (const organization of owned) {
      if ((await this.repository.listMembers(organization.id)).length > 1) {
        throw identityErrors.LAST_OWNER(`You own "${organization.name}", which has other members: make someone else owner (or remove them) before erasing your account.`);
      }
    }
    await this.repository.erasePerson(userId, this.now(), randomBytes(32).toString('base64url'));
    await this.accessChanged({ reason: 'erasure', users: [userId] });
  }

  // ---- profiles --------------------------------------------------------------------------

  async getProfile(userId: string) {
    const row = await this.repository.findProfile(userId);
    return row ? toProfile(row) : { userId, kinds: [], phone: null, bio: null, preferredCurrency: null, updatedAt: null };
  }

  async updateProfile(
    userId: string,
    input: { kinds: string[]; phone?: string | null; bio?: string | null; preferredCurrency?: string | null },
  ) {
    const row = await this.repository.upsertProfile({
      user_id: userId,
      kinds: [...new Set(input.kinds)],
      phone: input.phone ?? null,
      bio: input.bio ?? null,
      preferred_currency: input.preferredCurrency ?? null,
      updated_at: this.now(),
    });
    return toProfile(row);
  }
}

/** Admins manage agents and viewers; only owners grant or change admin and owner. */
function assertMayGrant(actor: Role | null, role: Role): void {
  if (actor === 'owner') return;
  if (actor === 'admin' && (role === 'agent' || role === 'viewer')) return;
  throw identityErrors.INSUFFICIENT_ROLE(`Only an owner can grant or change the ${role} role.`);
}

function slugify(name: string, suffix: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return `${base || 'agency'}-${suffix}`;
}

function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, displayName: row.display_name, createdAt: row.created_at.toISOString() };
}

function toOrganization(row: Pick<OrganizationRow, 'id' | 'name' | 'slug' | 'created_at'>, role: Role | null): Organization {
  return { id: row.id, name: row.name, slug: row.slug, role, createdAt: row.created_at.toISOString() };
}

function toApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: `dk_${row.prefix}`,
    scopes: row.scopes,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

function toProfile(row: ProfileRow) {
  return {
    userId: row.user_id,
    kinds: row.kinds as ('buyer' | 'seller' | 'investor')[],
    phone: row.phone,
    bio: row.bio,
    preferredCurrency: row.preferred_currency as never,
    updatedAt: row.updated_at.toISOString(),
  };
}
