import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db';
import type { ApiKeyScope, Role } from './identity.schema';

interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  display_name: string;
  created_at: Date;
  updated_at: Date;
}
interface SessionsTable {
  id: string;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
  /** Set when the session passed a second factor (MFA at log-in, passkey, step-up). */
  mfa_verified_at: Date | null;
  /** The security module's device the session is bound to (issue 3); null for unbound sessions. */
  device_id: string | null;
}
interface OrganizationsTable {
  id: string;
  name: string;
  slug: string;
  created_at: Date;
  updated_at: Date;
}
interface MembershipsTable {
  organization_id: string;
  user_id: string;
  role: Role;
  created_at: Date;
}
interface ApiKeysTable {
  id: string;
  organization_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: ApiKeyScope[];
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
interface ProfilesTable {
  user_id: string;
  kinds: string[];
  phone: string | null;
  bio: string | null;
  preferred_currency: string | null;
  updated_at: Date;
}

// A type alias (not an interface) so that it satisfies Kysely's index-signature constraint.
export type IdentityTables = {
  users: UsersTable;
  sessions: SessionsTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  api_keys: ApiKeysTable;
  profiles: ProfilesTable;
};

export type UserRow = UsersTable;
export type OrganizationRow = OrganizationsTable;
export type ApiKeyRow = ApiKeysTable;
export type ProfileRow = ProfilesTable;
type Executor = Kysely<IdentityTables> | Transaction<IdentityTables>;

/** All SQL of the identity module. */
export class IdentityRepository {
  readonly db: Kysely<IdentityTables>;
  constructor(database: Database) {
    this.db = database.withTables<IdentityTables>();
  }

  transaction<T>(work: (trx: Transaction<IdentityTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  findUserByEmail(email: string) {
    return this.db.selectFrom('users').selectAll().where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase())).executeTakeFirst();
  }

  findUserById(id: string, executor: Executor = this.db) {
    return executor.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Inserts unless the email exists; returns undefined on a duplicate (race-safe via the unique index). */
  async insertUser(row: UserRow, executor: Executor = this.db): Promise<UserRow | undefined> {
    try {
      await executor.insertInto('users').values(row).execute();
      return row;
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  insertSession(row: SessionsTable) {
    return this.db.insertInto('sessions').values(row).execute();
  }

  findActiveSession(id: string, now: Date) {
    return this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id', 'sessions.user_id', 'sessions.last_seen_at', 'sessions.expires_at', 'sessions.mfa_verified_at', 'sessions.device_id'])
      .where('sessions.id', '=', id)
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.expires_at', '>', now)
      .executeTakeFirst();
  }

  touchSession(id: string, now: Date, expiresAt: Date) {
    return this.db.updateTable('sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id', '=', id).execute();
  }

  /** Write-behind of sliding expiry: one statement for many sessions; never moves a time backwards. */
  async touchSessions(batch: Map<string, { lastSeenAt: Date; expiresAt: Date }>): Promise<void> {
    if (batch.size === 0) return;
    const rows = [...batch].map(([id, touch]) => sql`(${id}::text, ${touch.lastSeenAt.toISOString()}::timestamptz, ${touch.expiresAt.toISOString()}::timestamptz)`);
    await sql`
      UPDATE sessions SET last_seen_at = GREATEST(sessions.last_seen_at, touched.last_seen_at), expires_at = GREATEST(sessions.expires_at, touched.expires_at)
      FROM (VALUES ${sql.join(rows)}) AS touched (id, last_seen_at, expires_at)
      WHERE sessions.id = touched.id AND sessions.revoked_at IS NULL`.execute(this.db);
  }

  markSessionMfaVerified(id: string, at: Date) {
    return this.db.updateTable('sessions').set({ mfa_verified_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  /**
   * A password change in one transaction: the new hash, and every other active session of the
   * user revoked (a thief holding one must not outlive the change). Returns the sessions ended.
   */
  changePassword(userId: string, passwordHash: string, keepSessionId: string, now: Date): Promise<number> {
    return this.transaction(async (trx) => {
      await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', userId).execute();
      return this.revokeOtherSessions(userId, keepSessionId, now, trx);
    });
  }

  /** Revokes every active session of a user except `keepId`; returns how many ended. */
  async revokeOtherSessions(userId: string, keepId: string | null, now: Date, db: Kysely<IdentityTables> = this.db): Promise<number> {
    let query = db.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null);
    if (keepId) query = query.where('id', '!=', keepId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** The user's active sessions, newest use first (the devices & sessions page). */
  listActiveSessions(userId: string, now: Date) {
    return this.db
      .selectFrom('sessions')
      .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent', 'device_id', 'mfa_verified_at'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('last_seen_at', 'desc')
      .limit(200)
      .execute();
  }

  /** Ends the user's active sessions bound to one device; returns how many ended. */
  async revokeDeviceSessions(userId: string, deviceId: string, now: Date): Promise<number> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('device_id', '=', deviceId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Ends one session of a user; false when it is not theirs or already ended. */
  async revokeUserSession(userId: string, id: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  revokeSession(id: string, now: Date) {
    return this.db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async insertOrganizationWithOwner(organization: OrganizationRow, ownerUserId: string): Promise<boolean> {
    try {
      await this.transaction(async (trx) => {
        await trx.insertInto('organizations').values(organization).execute();
        await trx
          .insertInto('memberships')
          .values({ organization_id: organization.id, user_id: ownerUserId, role: 'owner', created_at: organization.created_at })
          .execute();
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  findOrganization(id: string) {
    return this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findOrganizationBySlug(slug: string) {
    return this.db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  async countAccounts(): Promise<{ users: number; organizations: number }> {
    const [users, organizations] = await Promise.all([
      this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
      this.db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
    ]);
    return { users: Number(users.count), organizations: Number(organizations.count) };
  }

  updateOrganization(id: string, name: string, now: Date) {
    return this.db.updateTable('organizations').set({ name, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirst();
  }

  findMembership(organizationId: string, userId: string, executor: Executor = this.db) {
    return executor
      .selectFrom('memberships')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  listMembershipsOfUser(userId: string) {
    return this.db
      .selectFrom('memberships')
      .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
      .select([
        'organizations.id',
        'organizations.name',
        'organizations.slug',
        'organizations.created_at',
        'memberships.role',
      ])
      .where('memberships.user_id', '=', userId)
      .orderBy('organizations.name')
      .orderBy('organizations.id')
      .execute();
  }

  listMembers(organizationId: string) {
    return this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.email', 'users.display_name', 'memberships.role', 'memberships.created_at'])
      .where('memberships.organization_id', '=', organizationId)
      .orderBy('memberships.created_at')
      .orderBy('users.id')
      .execute();
  }

  async insertMembership(organizationId: string, userId: string, role: Role, now: Date): Promise<boolean> {
    try {
      await this.db.insertInto('memberships').values({ organization_id: organizationId, user_id: userId, role, created_at: now }).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  updateMembershipRole(organizationId: string, userId: string, role: Role, executor: Executor = this.db) {
    return executor
      .updateTable('memberships')
      .set({ role })
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  deleteMembership(organizationId: string, userId: string, executor: Executor = this.db) {
    return executor.deleteFrom('memberships').where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst();
  }

  /** Counts owners while locking their rows, so two concurrent demotions cannot remove the last owner. */
  async countOwnersForUpdate(organizationId: string, executor: Executor): Promise<number> {
    const rows = await executor
      .selectFrom('memberships')
      .select('user_id')
      .where('organization_id', '=', organizationId)
      .where('role', '=', 'owner')
      .forUpdate()
      .execute();
    return rows.length;
  }

  insertApiKey(row: ApiKeyRow) {
    return this.db.insertInto('api_keys').values(row).execute();
  }

  findApiKeyByPrefix(prefix: string) {
    return this.db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
  }

  listApiKeys(organizationId: string) {
    return this.db.selectFrom('api_keys').selectAll().where('organization_id', '=', organizationId).orderBy('created_at', 'desc').orderBy('id').execute();
  }

  revokeApiKey(organizationId: string, id: string, now: Date) {
    return this.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  }

  findApiKey(organizationId: string, id: string) {
    return this.db.selectFrom('api_keys').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
  }

  /** Write-behind of "last used": one statement for many keys. */
  async markApiKeysUsed(batch: Map<string, Date>): Promise<void> {
    if (batch.size === 0) return;
    const rows = [...batch].map(([id, at]) => sql`(${id}::uuid, ${at.toISOString()}::timestamptz)`);
    await sql`
      UPDATE api_keys SET last_used_at = GREATEST(COALESCE(api_keys.last_used_at, used.at), used.at)
      FROM (VALUES ${sql.join(rows)}) AS used (id, at)
      WHERE api_keys.id = used.id`.execute(this.db);
  }

  /** Pseudonymises a user in one transaction (see IdentityService.erasePerson). */
  async erasePerson(userId: string, now: Date, unusablePassword: string): Promise<void> {
    await this.transaction(async (trx) => {
      await trx
        .updateTable('users')
        .set({ email: `erased-${userId}@erased.invalid`, display_name: 'Erased user', password_hash: `erased:${unusablePassword}`, updated_at: now })
        .where('id', '=', userId)
        .execute();
      await trx.deleteFrom('profiles').where('user_id', '=', userId).execute();
      await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
      await trx.updateTable('api_keys').set({ created_by: null }).where('created_by', '=', userId).execute();
      // An organization the person alone belonged to stays, member-less: its listings and deals
      // are records that counterparties (buyers) keep a right to.
      await trx.deleteFrom('memberships').where('user_id', '=', userId).execute();
    });
  }

  findProfile(userId: string) {
    return this.db.selectFrom('profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }

  upsertProfile(row: ProfileRow) {
    return this.db
      .insertInto('profiles')
      .values(row)
      .onConflict((conflict) =>
        conflict.column('user_id').doUpdateSet({
          kinds: row.kinds,
          phone: row.phone,
          bio: row.bio,
          preferred_currency: row.preferred_currency,
          updated_at: row.updated_at,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505';
}
