import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db';

export type MarketIndexCacheTable = {
  area_level: 'all' | 'city' | 'postal';
  area: string;
  frequency: 'month' | 'quarter' | 'year';
  fingerprint: string;
  computed_at: Date;
  payload: unknown;
};

export type MarketTables = {
  market_index_cache: MarketIndexCacheTable;
};

export type CacheKey = Pick<MarketIndexCacheTable, 'area_level' | 'area' | 'frequency'>;

/** The computed-index cache (one row per area and frequency). */
export class MarketRepository {
  readonly db: Kysely<MarketTables>;
  constructor(database: Database) {
    this.db = database.withTables<MarketTables>();
  }

  async get(key: CacheKey): Promise<MarketIndexCacheTable | undefined> {
    return this.db.selectFrom('market_index_cache').selectAll()
      .where('area_level', '=', key.area_level).where('area', '=', key.area).where('frequency', '=', key.frequency)
      .executeTakeFirst();
  }

  async put(row: MarketIndexCacheTable): Promise<void> {
    const payload = sql`${JSON.stringify(row.payload)}::jsonb`;
    await this.db.insertInto('market_index_cache')
      .values({ ...row, payload })
      .onConflict((conflict) => conflict.columns(['area_level', 'area', 'frequency']).doUpdateSet({ fingerprint: row.fingerprint, computed_at: row.computed_at, payload }))
      .execute();
  }

  async keys(): Promise<CacheKey[]> {
    return this.db.selectFrom('market_index_cache').select(['area_level', 'area', 'frequency']).execute();
  }

  async staleKeys(fingerprint: string): Promise<CacheKey[]> {
    return this.db.selectFrom('market_index_cache').select(['area_level', 'area', 'frequency']).where('fingerprint', '<>', fingerprint).execute();
  }
}
