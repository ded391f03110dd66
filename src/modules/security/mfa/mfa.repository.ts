import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../../platform/db';
import type { TotpAlgorithm } from './totp';

export type FactorKind = 'totp' | 'passkey';
export type ChallengePurpose = 'register' | 'login' | 'second_factor' | 'step_up';

export type FactorRow = {
  id: string;
  user_id: string;
  kind: FactorKind;
  label: string;
  status: 'pending' | 'active';
  totp_secret: string | null;
  totp_algorithm: TotpAlgorithm | null;
  totp_digits: number | null;
  totp_period: number | null;
  totp_last_step: number | string | null;
  credential_id: string | null;
  public_key: string | null;
  sign_count: number | string | null;
  transports: string[] | null;
  aaguid: string | null;
  backed_up: boolean | null;
  device_type: string | null;
  created_at: Date;
  confirmed_at: Date | null;
  last_used_at: Date | null;
};

type RecoveryCodeRow = { id: string; user_id: string; code_hash: string; created_at: Date; used_at: Date | null };
type ChallengeRow = { challenge: string; purpose: ChallengePurpose; user_id: string | null; created_at: Date; expires_at: Date; used_at: Date | null };
export type PendingLoginRow = {
  id: string;
  user_id: string;
  reason: string;
  /** The device the session will bind to (the risk engine's, from the password step). */
  device_id: string | null;
  created_at: Date;
  expires_at: Date;
  failures: number;
  completed_at: Date | null;
};
type ReauthenticationRow = { session_id: string; user_id: string; reauthenticated_at: Date };

export type MfaTables = {
  security_mfa_factors: FactorRow;
  security_mfa_recovery_codes: RecoveryCodeRow;
  security_mfa_webauthn_challenges: ChallengeRow;
  security_mfa_pending_logins: PendingLoginRow;
  security_mfa_reauthentications: ReauthenticationRow;
};
type Executor = Kysely<MfaTables> | Transaction<MfaTables>;
export type MfaTransaction = Transaction<MfaTables>;

/** What consuming a stored WebAuthn challenge found. */
export type ChallengeLookup =
  | { state: 'ok'; row: ChallengeRow }
  | { state: 'unknown' | 'expired' | 'used' | 'wrong_purpose' };

/** All SQL of the MFA area. */
export class MfaRepository {
  readonly db: Kysely<MfaTables>;
  constructor(database: Database) {
    this.db = database.withTables<MfaTables>();
  }

  transaction<T>(work: (trx: Transaction<MfaTables>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  // ---- factors ---------------------------------------------------------------------------

  insertFactor(row: FactorRow, executor: Executor = this.db) {
    return executor.insertInto('security_mfa_factors').values(row).execute();
  }

  listFactors(userId: string, executor: Executor = this.db) {
    return executor.selectFrom('security_mfa_factors').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  }

  activeFactors(userId: string, kind?: FactorKind) {
    let query = this.db.selectFrom('security_mfa_factors').selectAll().where('user_id', '=', userId).where('status', '=', 'active');
    if (kind) query = query.where('kind', '=', kind);
    return query.orderBy('created_at').execute();
  }

  findFactor(userId: string, id: string, executor: Executor = this.db) {
    return executor.selectFrom('security_mfa_factors').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  }

  findPasskey(credentialId: string) {
    return this.db
      .selectFrom('security_mfa_factors')
      .selectAll()
      .where('credential_id', '=', credentialId)
      .where('kind', '=', 'passkey')
      .where('status', '=', 'active')
      .executeTakeFirst();
  }

  async activateFactor(userId: string, id: string, lastStep: number, now: Date, executor: Executor = this.db): Promise<boolean> {
    const result = await executor
      .updateTable('security_mfa_factors')
      .set({ status: 'active', confirmed_at: now, last_used_at: now, totp_last_step: lastStep })
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Moves a TOTP factor's last used step forward; false when another request already used this
   * step or a later one (the compare-and-set makes two concurrent uses of one code a replay).
   */
  async advanceTotpStep(id: string, step: number, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('security_mfa_factors')
      .set({ totp_last_step: step, last_used_at: now })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  updatePasskeyCounter(id: string, signCount: number, now: Date) {
    return this.db.updateTable('security_mfa_factors').set({ sign_count: signCount, last_used_at: now }).where('id', '=', id).execute();
  }

  async deleteFactor(userId: string, id: string, executor: Executor = this.db): Promise<boolean> {
    const result = await executor.deleteFrom('security_mfa_factors').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  deleteStalePendingFactors(userId: string, before: Date, executor: Executor = this.db) {
    return executor
      .deleteFrom('security_mfa_factors')
      .where('user_id', '=', userId)
      .where('status', '=', 'pending')
      .where('created_at', '<', before)
      .execute();
  }

  async countActiveFactors(userId: string, executor: Executor = this.db): Promise<number> {
    const row = await executor
      .selectFrom('security_mfa_factors')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('user_id', '=', userId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  // ---- recovery codes --------------------------------------------------------------------

  async replaceRecoveryCodes(userId: string, rows: RecoveryCodeRow[], executor: Executor = this.db): Promise<void> {
    await executor.deleteFrom('security_mfa_recovery_codes').where('user_id', '=', userId).execute();
    if (rows.length > 0) await executor.insertInto('security_mfa_recovery_codes').values(rows).execute();
  }

  async countUnusedRecoveryCodes(userId: string, executor: Executor = this.db): Promise<number> {
    const row = await executor
      .selectFrom('security_mfa_recovery_codes')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  deleteRecoveryCodes(userId: string, executor: Executor = this.db) {
    return executor.deleteFrom('security_mfa_recovery_codes').where('user_id', '=', userId).execute();
  }

  /** Marks the code used if it is one of the user's unused codes; single use under concurrency. */
  async useRecoveryCode(userId: string, codeHash: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('security_mfa_recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recoveryCodeCounts(userId: string): Promise<{ total: number; unused: number }> {
    const row = await this.db
      .selectFrom('security_mfa_recovery_codes')
      .select([
        sql<string>`count(*)`.as('total'),
        sql<string>`count(*) FILTER (WHERE used_at IS NULL)`.as('unused'),
      ])
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), unused: Number(row.unused) };
  }

  // ---- WebAuthn challenges ---------------------------------------------------------------

  insertChallenge(row: ChallengeRow) {
    return this.db.insertInto('security_mfa_webauthn_challenges').values(row).execute();
  }

  /**
   * Consumes a challenge: marks it used (whatever the verification then says), so that a
   * response can be tried once. Says why when it cannot be used.
   */
  async consumeChallenge(challenge: string, purpose: ChallengePurpose, now: Date): Promise<ChallengeLookup> {
    return this.transaction(async (trx) => {
      const row = await trx
        .selectFrom('security_mfa_webauthn_challenges')
        .selectAll()
        .where('challenge', '=', challenge)
        .forUpdate()
        .executeTakeFirst();
      if (!row) return { state: 'unknown' } as const;
      if (row.purpose !== purpose) return { state: 'wrong_purpose' } as const;
      if (row.used_at) return { state: 'used' } as const;
      if (row.expires_at.getTime() <= now.getTime()) return { state: 'expired' } as const;
      await trx.updateTable('security_mfa_webauthn_challenges').set({ used_at: now }).where('challenge', '=', challenge).execute();
      return { state: 'ok', row } as const;
    });
  }

  /** Challenges are kept a day after expiry (so a late replay is told "used"/"expired"), then dropped. */
  deleteOldChallenges(before: Date) {
    return this.db.deleteFrom('security_mfa_webauthn_challenges').where('expires_at', '<', before).execute();
  }

  // ---- log-ins waiting for a second factor -----------------------------------------------

  insertPendingLogin(row: PendingLoginRow) {
    return this.db.insertInto('security_mfa_pending_logins').values(row).execute();
  }

  findPendingLogin(id: string) {
    return this.db.selectFrom('security_mfa_pending_logins').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async completePendingLogin(id: string, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('security_mfa_pending_logins')
      .set({ completed_at: now })
      .where('id', '=', id)
      .where('completed_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async countPendingLoginFailure(id: string): Promise<number> {
    const row = await this.db
      .updateTable('security_mfa_pending_logins')
      .set((eb) => ({ failures: eb('failures', '+', 1) }))
      .where('id', '=', id)
      .returning('failures')
      .executeTakeFirst();
    return row?.failures ?? 0;
  }

  // ---- password re-authentication --------------------------------------------------------

  async recordReauthentication(sessionId: string, userId: string, now: Date): Promise<void> {
    await this.db
      .insertInto('security_mfa_reauthentications')
      .values({ session_id: sessionId, user_id: userId, reauthenticated_at: now })
      .onConflict((conflict) => conflict.column('session_id').doUpdateSet({ reauthenticated_at: now, user_id: userId }))
      .execute();
  }

  async lastReauthentication(sessionId: string): Promise<Date | null> {
    const row = await this.db
      .selectFrom('security_mfa_reauthentications')
      .select('reauthenticated_at')
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    return row?.reauthenticated_at ?? null;
  }
}
