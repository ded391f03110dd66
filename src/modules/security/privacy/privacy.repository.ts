import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../../platform/db';

interface PrivacyKeysTable {
  id: string;
  created_at: Date;
  active: boolean;
}
export interface PersonalDataRow {
  user_id: string;
  identity_document: string | null;
  iban: string | null;
  key_id: string;
  updated_at: Date;
}
interface ErasuresTable {
  user_id: string;
  erased_at: Date;
}
export type PrivacyTables = { privacy_keys: PrivacyKeysTable; personal_data: PersonalDataRow; privacy_erasures: ErasuresTable };
type Executor = Kysely<PrivacyTables> | Transaction<PrivacyTables>;

/** All SQL of the privacy area: the key ring, encrypted personal data, erasure records. */
export class PrivacyRepository {
  readonly db: Kysely<PrivacyTables>;
  constructor(database: Database) {
    this.db = database.withTables<PrivacyTables>();
  }

  async activeKeyId(): Promise<string> {
    const row = await this.db.selectFrom('privacy_keys').select('id').where('active', '=', true).executeTakeFirstOrThrow();
    return row.id;
  }

  /** Adds key k<n+1> and makes it the active one; concurrent rotations serialise on the table lock. */
  async rotate(now: Date): Promise<string> {
    return this.db.transaction().execute(async (trx) => {
      await trx.selectFrom('privacy_keys').select('id').forUpdate().execute();
      const ids = await trx.selectFrom('privacy_keys').select('id').execute();
      const next = `k${Math.max(0, ...ids.map((row) => Number(row.id.slice(1)))) + 1}`;
      await trx.updateTable('privacy_keys').set({ active: false }).where('active', '=', true).execute();
      await trx.insertInto('privacy_keys').values({ id: next, created_at: now, active: true }).execute();
      return next;
    });
  }

  find(userId: string, executor: Executor = this.db): Promise<PersonalDataRow | undefined> {
    return executor.selectFrom('personal_data').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }

  async upsert(row: PersonalDataRow, executor: Executor = this.db): Promise<void> {
    await executor
      .insertInto('personal_data')
      .values(row)
      .onConflict((conflict) => conflict.column('user_id').doUpdateSet({ identity_document: row.identity_document, iban: row.iban, key_id: row.key_id, updated_at: row.updated_at }))
      .execute();
  }

  /** Rows still under another key than `keyId`, a page at a time (re-encryption). */
  staleRows(keyId: string, limit: number): Promise<PersonalDataRow[]> {
    return this.db.selectFrom('personal_data').selectAll().where('key_id', '<>', keyId).orderBy('user_id').limit(limit).execute();
  }

  /** Replaces a row's ciphertexts only if nobody changed it meanwhile (optimistic, by updated_at + key). */
  async replaceCiphertexts(before: PersonalDataRow, after: Pick<PersonalDataRow, 'identity_document' | 'iban' | 'key_id'>): Promise<boolean> {
    const result = await this.db
      .updateTable('personal_data')
      .set(after)
      .where('user_id', '=', before.user_id)
      .where('key_id', '=', before.key_id)
      .where('updated_at', '=', before.updated_at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async countByKey(): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('personal_data').select(['key_id', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('key_id').execute();
    return Object.fromEntries(rows.map((row) => [row.key_id, Number(row.count)]));
  }

  async erase(userId: string, now: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('personal_data').where('user_id', '=', userId).execute();
      await trx.insertInto('privacy_erasures').values({ user_id: userId, erased_at: now }).onConflict((conflict) => conflict.column('user_id').doNothing()).execute();
    });
  }

  async isErased(userId: string): Promise<boolean> {
    return (await this.db.selectFrom('privacy_erasures').select('user_id').where('user_id', '=', userId).executeTakeFirst()) !== undefined;
  }
}
