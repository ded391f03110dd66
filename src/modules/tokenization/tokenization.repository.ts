import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db';

export interface PlatformContractsRow {
  chain_id: number;
  registry_address: string;
  deed_address: string;
  stablecoin_address: string;
  stablecoin_symbol: string;
  stablecoin_decimals: number;
  stablecoin_sandbox: boolean;
  deployed_block: number;
  created_at: Date;
}

export interface TokenPropertyRow {
  id: string;
  chain_id: number;
  listing_id: string;
  property_id: string;
  organization_id: string;
  deed_id: number;
  name: string;
  symbol: string;
  title_hash: string;
  record_period_seconds: number;
  status: 'deploying' | 'active';
  shares_address: string | null;
  distributor_address: string | null;
  market_address: string | null;
  deed_issued: boolean;
  last_error: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface OfferingRow {
  id: string;
  token_property_id: string;
  address: string | null;
  price_minor: number;
  soft_cap_shares: number;
  hard_cap_shares: number;
  opens_at: Date;
  closes_at: Date;
  status: 'deploying' | 'open' | 'succeeded' | 'failed';
  deploy_step: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface WalletRow {
  id: string;
  user_id: string;
  address: string;
  custodial: boolean;
  encrypted_key: string | null;
  created_at: Date;
}

export interface KycRow {
  user_id: string;
  provider: string;
  reference: string;
  status: 'approved' | 'rejected' | 'revoked';
  country: number;
  expires_at: Date;
  reason: string | null;
  decided_at: Date;
  updated_at: Date;
}

export interface MirrorRow {
  chain_id: number;
  address: string;
  country: number;
  expires_at: number;
  state: 'pending' | 'synced';
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  transaction_hash: string | null;
  updated_at: Date;
}

export interface ActionRequestRow {
  scope: string;
  key: string;
  request_hash: string;
  state: 'running' | 'done';
  response: unknown;
  created_at: Date;
}

export type TokenizationTables = {
  token_action_requests: ActionRequestRow;
  token_platform_contracts: PlatformContractsRow;
  token_properties: TokenPropertyRow;
  token_offerings: OfferingRow;
  token_wallets: WalletRow;
  token_kyc: KycRow;
  token_identity_mirror: MirrorRow;
};
export type TokenizationDb = Kysely<TokenizationTables>;

export interface HoldingRow {
  token: string;
  holder: string;
  balance: string;
}

export interface HistoryRow {
  kind: string;
  contract: string;
  tx_hash: string;
  block_number: string;
  block_time: Date;
  args: Record<string, unknown>;
  event: string;
}

export interface OrderRow {
  order_id: string;
  maker: string;
  sell: boolean;
  amount: string;
  remaining: string;
  price: string;
  status: string;
  tx_hash: string;
}

/** All SQL of the tokenization flows (the indexer's is in chain/indexer.repository.ts). */
export class TokenizationRepository {
  readonly db: TokenizationDb;
  constructor(database: Database) {
    this.db = database.withTables<TokenizationTables>();
  }

  platformContracts(chainId: number): Promise<PlatformContractsRow | undefined> {
    return this.db.selectFrom('token_platform_contracts').selectAll().where('chain_id', '=', chainId).executeTakeFirst();
  }

  async savePlatformContracts(row: PlatformContractsRow): Promise<void> {
    await this.db.insertInto('token_platform_contracts').values(row).onConflict((oc) => oc.column('chain_id').doNothing()).execute();
  }

  async nextDeedNumber(): Promise<number> {
    const result = await sql<{ value: string }>`SELECT nextval('token_deed_numbers')::text AS value`.execute(this.db);
    return Number(result.rows[0]!.value);
  }

  findProperty(id: string): Promise<TokenPropertyRow | undefined> {
    return this.db.selectFrom('token_properties').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findPropertyOfListedProperty(chainId: number, propertyId: string): Promise<TokenPropertyRow | undefined> {
    return this.db.selectFrom('token_properties').selectAll().where('chain_id', '=', chainId).where('property_id', '=', propertyId).executeTakeFirst();
  }

  listProperties(chainId: number): Promise<TokenPropertyRow[]> {
    return this.db.selectFrom('token_properties').selectAll().where('chain_id', '=', chainId).orderBy('created_at', 'desc').limit(200).execute();
  }

  async insertProperty(row: TokenPropertyRow): Promise<void> {
    await this.db.insertInto('token_properties').values(row).execute();
  }

  async updateProperty(id: string, changes: Partial<TokenPropertyRow>): Promise<void> {
    await this.db.updateTable('token_properties').set(changes).where('id', '=', id).execute();
  }

  findOffering(id: string): Promise<OfferingRow | undefined> {
    return this.db.selectFrom('token_offerings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listOfferings(tokenPropertyId: string): Promise<OfferingRow[]> {
    return this.db.selectFrom('token_offerings').selectAll().where('token_property_id', '=', tokenPropertyId).orderBy('created_at', 'desc').execute();
  }

  async insertOffering(row: OfferingRow): Promise<void> {
    await this.db.insertInto('token_offerings').values(row).execute();
  }

  async updateOffering(id: string, changes: Partial<OfferingRow>): Promise<void> {
    await this.db.updateTable('token_offerings').set(changes).where('id', '=', id).execute();
  }

  walletsOfUser(userId: string): Promise<WalletRow[]> {
    return this.db.selectFrom('token_wallets').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
  }

  findWalletByAddress(address: string): Promise<WalletRow | undefined> {
    return this.db.selectFrom('token_wallets').selectAll().where('address', '=', address).executeTakeFirst();
  }

  async insertWallet(row: WalletRow): Promise<boolean> {
    const result = await this.db.insertInto('token_wallets').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  findKyc(userId: string): Promise<KycRow | undefined> {
    return this.db.selectFrom('token_kyc').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }

  async saveKyc(row: KycRow): Promise<void> {
    await this.db
      .insertInto('token_kyc')
      .values(row)
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...row }))
      .execute();
  }

  /** Sets what the registry should say about a wallet; a changed wish becomes pending again. */
  async wantIdentity(chainId: number, address: string, country: number, expiresAt: number, now: Date): Promise<void> {
    await sql`INSERT INTO token_identity_mirror (chain_id, address, country, expires_at, state, attempts, next_attempt_at, updated_at)
      VALUES (${chainId}, ${address}, ${country}, ${expiresAt}, 'pending', 0, ${now}, ${now})
      ON CONFLICT (chain_id, address) DO UPDATE SET
        country = EXCLUDED.country, expires_at = EXCLUDED.expires_at,
        state = CASE WHEN token_identity_mirror.country = EXCLUDED.country AND token_identity_mirror.expires_at = EXCLUDED.expires_at
                      AND token_identity_mirror.state = 'synced' THEN 'synced' ELSE 'pending' END,
        attempts = CASE WHEN token_identity_mirror.country = EXCLUDED.country AND token_identity_mirror.expires_at = EXCLUDED.expires_at
                      THEN token_identity_mirror.attempts ELSE 0 END,
        next_attempt_at = EXCLUDED.next_attempt_at, updated_at = EXCLUDED.updated_at`.execute(this.db);
  }

  duePendingMirrors(chainId: number, now: Date, limit: number, addresses?: string[]): Promise<MirrorRow[]> {
    let query = this.db.selectFrom('token_identity_mirror').selectAll().where('chain_id', '=', chainId).where('state', '=', 'pending');
    query = addresses ? query.where('address', 'in', addresses.length > 0 ? addresses : ['-']) : query.where('next_attempt_at', '<=', now);
    return query.orderBy('next_attempt_at').limit(limit).execute();
  }

  mirrorsOf(chainId: number, addresses: string[]): Promise<MirrorRow[]> {
    if (addresses.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('token_identity_mirror').selectAll().where('chain_id', '=', chainId).where('address', 'in', addresses).execute();
  }

  /** Marks a mirror synced only if nobody changed the wish meanwhile. */
  async mirrorSynced(row: MirrorRow, transactionHash: string | null, now: Date): Promise<void> {
    await this.db
      .updateTable('token_identity_mirror')
      .set({ state: 'synced', last_error: null, transaction_hash: transactionHash, updated_at: now })
      .where('chain_id', '=', row.chain_id)
      .where('address', '=', row.address)
      .where('country', '=', row.country)
      .where('expires_at', '=', row.expires_at)
      .execute();
  }

  async mirrorFailed(row: MirrorRow, error: string, nextAttemptAt: Date, now: Date): Promise<void> {
    await this.db
      .updateTable('token_identity_mirror')
      .set({ attempts: row.attempts + 1, last_error: error.slice(0, 500), next_attempt_at: nextAttemptAt, updated_at: now })
      .where('chain_id', '=', row.chain_id)
      .where('address', '=', row.address)
      .execute();
  }

  /** Claims an idempotency key; false when someone holds it already. */
  async claimAction(scope: string, key: string, requestHash: string, now: Date): Promise<boolean> {
    const result = await this.db
      .insertInto('token_action_requests')
      .values({ scope, key, request_hash: requestHash, state: 'running', response: null, created_at: now })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  findAction(scope: string, key: string): Promise<ActionRequestRow | undefined> {
    return this.db.selectFrom('token_action_requests').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
  }

  async completeAction(scope: string, key: string, response: unknown): Promise<void> {
    await this.db
      .updateTable('token_action_requests')
      .set({ state: 'done', response: sql`${JSON.stringify(response)}::jsonb` as never })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
  }

  async releaseAction(scope: string, key: string): Promise<void> {
    await this.db.deleteFrom('token_action_requests').where('scope', '=', scope).where('key', '=', key).where('state', '=', 'running').execute();
  }

  // ---- indexer projections (read side) ---------------------------------------------------------

  async holdings(chainId: number, holders: string[]): Promise<HoldingRow[]> {
    if (holders.length === 0) return [];
    const result = await sql<HoldingRow>`SELECT token, holder, balance::text AS balance FROM token_holdings
      WHERE chain_id = ${chainId} AND holder IN (${sql.join(holders)}) AND balance > 0 ORDER BY token, holder`.execute(this.db);
    return result.rows;
  }

  async holdersOf(chainId: number, token: string): Promise<HoldingRow[]> {
    const result = await sql<HoldingRow>`SELECT token, holder, balance::text AS balance FROM token_holdings
      WHERE chain_id = ${chainId} AND token = ${token} AND balance > 0 ORDER BY balance DESC, holder`.execute(this.db);
    return result.rows;
  }

  /** Events that concern these wallets (transfers, purchases, claims, orders and fills), newest first. */
  async history(chainId: number, wallets: string[], limit: number): Promise<HistoryRow[]> {
    if (wallets.length === 0) return [];
    const list = sql.join(wallets);
    const result = await sql<HistoryRow>`SELECT kind, contract, tx_hash, block_number::text AS block_number, block_time, args, event FROM token_events
      WHERE chain_id = ${chainId} AND event IN ('Transfer', 'SharesPurchased', 'SharesDelivered', 'RefundClaimed', 'RentClaimed', 'OrderPlaced', 'OrderFilled', 'IdentityRegistered', 'IdentityUpdated')
        AND (args->>'from' IN (${list}) OR args->>'to' IN (${list}) OR args->>'investor' IN (${list}) OR args->>'holder' IN (${list})
             OR args->>'maker' IN (${list}) OR args->>'seller' IN (${list}) OR args->>'buyer' IN (${list}) OR args->>'wallet' IN (${list}))
        AND kind <> 'deed'
      ORDER BY block_number DESC, log_index DESC LIMIT ${limit}`.execute(this.db);
    return result.rows;
  }

  async orders(chainId: number, market: string, status: string | undefined): Promise<OrderRow[]> {
    const result = await sql<OrderRow>`SELECT order_id::text AS order_id, maker, sell, amount::text AS amount, remaining::text AS remaining,
        price::text AS price, status, tx_hash FROM market_orders
      WHERE chain_id = ${chainId} AND market = ${market} ${status ? sql`AND status = ${status}` : sql``}
      ORDER BY sell DESC, price, order_id LIMIT 500`.execute(this.db);
    return result.rows;
  }

  async purchases(chainId: number, offering: string): Promise<{ investor: string; shares: string; cost: string; tx_hash: string }[]> {
    const result = await sql<{ investor: string; shares: string; cost: string; tx_hash: string }>`SELECT investor, shares::text AS shares, cost::text AS cost, tx_hash
      FROM offering_purchases WHERE chain_id = ${chainId} AND offering = ${offering} ORDER BY block_number, log_index`.execute(this.db);
    return result.rows;
  }

  async rentTotals(chainId: number, distributor: string): Promise<{ deposited: string; claimed: string; deposits: number }> {
    const result = await sql<{ deposited: string; claimed: string; deposits: string }>`SELECT
        (SELECT COALESCE(SUM(amount), 0)::text FROM rent_deposits WHERE chain_id = ${chainId} AND distributor = ${distributor}) AS deposited,
        (SELECT COALESCE(SUM(amount), 0)::text FROM rent_claims WHERE chain_id = ${chainId} AND distributor = ${distributor}) AS claimed,
        (SELECT COUNT(*)::text FROM rent_deposits WHERE chain_id = ${chainId} AND distributor = ${distributor}) AS deposits`.execute(this.db);
    const row = result.rows[0]!;
    return { deposited: row.deposited, claimed: row.claimed, deposits: Number(row.deposits) };
  }

  async claimedBy(chainId: number, distributor: string, holders: string[]): Promise<string> {
    if (holders.length === 0) return '0';
    const result = await sql<{ claimed: string }>`SELECT COALESCE(SUM(amount), 0)::text AS claimed FROM rent_claims
      WHERE chain_id = ${chainId} AND distributor = ${distributor} AND holder IN (${sql.join(holders)})`.execute(this.db);
    return result.rows[0]!.claimed;
  }
}
