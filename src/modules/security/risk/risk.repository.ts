import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../platform/db';
import type { RiskTables, SecurityLoginEventsTable, SecurityOrgSettingsTable } from '../security.tables';

export type LoginEventRow = SecurityLoginEventsTable;
export type OrgSettingsRow = SecurityOrgSettingsTable;

/** The SQL of the risk engine: log-in history and per-organization settings. */
export class RiskRepository {
  readonly db: Kysely<RiskTables>;
  constructor(database: Database) {
    this.db = database.withTables<RiskTables>();
  }

  async insertEvent(row: LoginEventRow): Promise<void> {
    await this.db.insertInto('security_login_events').values(row).execute();
  }

  /** What the engine compares a log-in with: the user's successful history (bounded). */
  async history(userId: string, limit = 500) {
    return this.db
      .selectFrom('security_login_events')
      .select(['occurred_at', 'country', 'city', 'latitude', 'longitude', 'network', 'device_id'])
      .where('user_id', '=', userId)
      .where('outcome', '=', 'success')
      .orderBy('occurred_at', 'desc')
      .limit(limit)
      .execute();
  }

  /** Risky log-ins of the given users, newest first; keyset-paginated on (occurred_at, id). */
  async riskyEvents(userIds: string[], minScore: number, limit: number, after: { at: Date; id: string } | null) {
    if (userIds.length === 0) return [];
    let query = this.db
      .selectFrom('security_login_events')
      .selectAll()
      .where('user_id', 'in', userIds)
      .where((eb) => eb.or([eb('score', '>=', minScore), eb('outcome', 'in', ['step_up', 'denied', 'locked'])]));
    if (after) {
      query = query.where((eb) => eb.or([eb('occurred_at', '<', after.at), eb.and([eb('occurred_at', '=', after.at), eb('id', '<', after.id)])]));
    }
    return query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** Turns the user's latest `step_up` attempt since `since` (on this device) into a success. */
  async promoteStepUp(userId: string, deviceId: string | null, since: Date): Promise<void> {
    let latest = this.db
      .selectFrom('security_login_events')
      .select('id')
      .where('user_id', '=', userId)
      .where('outcome', '=', 'step_up')
      .where('occurred_at', '>', since);
    latest = deviceId ? latest.where('device_id', '=', deviceId) : latest.where('device_id', 'is', null);
    const row = await latest.orderBy('occurred_at', 'desc').limit(1).executeTakeFirst();
    if (row) await this.db.updateTable('security_login_events').set({ outcome: 'success' }).where('id', '=', row.id).execute();
  }

  findSettings(organizationId: string) {
    return this.db.selectFrom('security_org_settings').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
  }

  settingsOf(organizationIds: string[]) {
    if (organizationIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('security_org_settings').selectAll().where('organization_id', 'in', organizationIds).execute();
  }

  async upsertSettings(row: OrgSettingsRow): Promise<OrgSettingsRow> {
    const { organization_id: _id, ...changes } = row;
    return this.db
      .insertInto('security_org_settings')
      .values(row)
      .onConflict((conflict) => conflict.column('organization_id').doUpdateSet(changes))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async installationId(): Promise<string> {
    const row = await this.db.selectFrom('security_installation').select('id').executeTakeFirst();
    if (row) return row.id;
    await sql`INSERT INTO security_installation (id) VALUES (gen_random_uuid()) ON CONFLICT DO NOTHING`.execute(this.db);
    return (await this.db.selectFrom('security_installation').select('id').executeTakeFirstOrThrow()).id;
  }
}
