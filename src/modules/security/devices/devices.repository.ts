import type { Kysely } from 'kysely';
import type { Database } from '../../../platform/db';
import type { RiskTables, SecurityDevicesTable } from '../security.tables';

export type DeviceRow = SecurityDevicesTable;

/** The SQL of the devices area. */
export class DevicesRepository {
  readonly db: Kysely<RiskTables>;
  constructor(database: Database) {
    this.db = database.withTables<RiskTables>();
  }

  find(userId: string, deviceId: string) {
    return this.db.selectFrom('security_devices').selectAll().where('user_id', '=', userId).where('id', '=', deviceId).executeTakeFirst();
  }

  async insert(row: DeviceRow): Promise<void> {
    await this.db.insertInto('security_devices').values(row).onConflict((conflict) => conflict.columns(['user_id', 'id']).doNothing()).execute();
  }

  async touch(userId: string, deviceId: string, changes: Partial<Omit<DeviceRow, 'id' | 'user_id' | 'first_seen_at'>>): Promise<void> {
    await this.db.updateTable('security_devices').set(changes).where('user_id', '=', userId).where('id', '=', deviceId).execute();
  }

  list(userId: string) {
    return this.db.selectFrom('security_devices').selectAll().where('user_id', '=', userId).where('revoked_at', 'is', null).orderBy('last_seen_at', 'desc').limit(200).execute();
  }

  async revoke(userId: string, deviceId: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('security_devices')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('id', '=', deviceId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
