import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db';

/** The kernel's key-value table (src/platform/migrations); the importer keeps one row in it. */
type SettingsTables = {
  platform_settings: { key: string; value: unknown; updated_at: Date };
  /** Read for the operator's statistics only (see countListingsByStatus). */
  listings: { status: string };
};

export const demoSeedKey = 'importer.demo-seed';

export type SeedMarker =
  | { status: 'running'; nodeId: string; startedAt: string }
  | { status: 'done'; finishedAt: string; listings: number; seed: number }
  | { status: 'skipped'; reason: string; at: string }
  | { status: 'failed'; error: string; at: string };

/**
 * All SQL of the importer: the first-run seeding marker. Claiming is a single
 * INSERT ... ON CONFLICT DO UPDATE ... WHERE, so of any number of nodes starting at once exactly
 * one wins, without holding a lock (or a pooled connection) for the minutes seeding takes. A
 * claim left 'running' by a node that died is taken over once its heartbeat is stale.
 */
export class ImporterRepository {
  private readonly db: Kysely<SettingsTables>;
  constructor(database: Database) {
    this.db = database.withTables<SettingsTables>();
  }

  /**
   * 'new' when this node now owns a first seeding, 'taken-over' when it took over a failed or dead
   * one, null when seeding ran, was skipped or is running on another node.
   */
  async claimDemoSeed(nodeId: string, now: Date, staleBefore: Date): Promise<'new' | 'taken-over' | null> {
    const marker: SeedMarker = { status: 'running', nodeId, startedAt: now.toISOString() };
    const value = JSON.stringify(marker);
    const result = await sql<{ inserted: boolean }>`
      INSERT INTO platform_settings (key, value, updated_at)
      VALUES (${demoSeedKey}, ${value}::jsonb, ${now})
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
      WHERE platform_settings.value->>'status' = 'failed'
         OR (platform_settings.value->>'status' = 'running' AND platform_settings.updated_at < ${staleBefore})
      RETURNING (xmax = 0) AS inserted`.execute(this.db);
    const row = result.rows[0];
    return row ? (row.inserted ? 'new' : 'taken-over') : null;
  }

  async readDemoSeed(): Promise<SeedMarker | null> {
    const row = await this.db.selectFrom('platform_settings').select('value').where('key', '=', demoSeedKey).executeTakeFirst();
    return row ? (row.value as SeedMarker) : null;
  }

  /** Records the outcome (or a heartbeat, for 'running'); only the owning node calls it. */
  async writeDemoSeed(marker: SeedMarker, now: Date): Promise<void> {
    await sql`
      INSERT INTO platform_settings (key, value, updated_at) VALUES (${demoSeedKey}, ${JSON.stringify(marker)}::jsonb, ${now})
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`.execute(this.db);
  }

  /**
   * Listings per status for the CLI's `stats`. A read-only report over the listings module's
   * table, because ListingsService offers only a total; move it there when it offers more.
   */
  async countListingsByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('listings')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .orderBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }
}
