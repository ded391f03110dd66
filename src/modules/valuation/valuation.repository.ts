import { sql, type Kysely } from 'kysely';
import type { Database } from '../../platform/db';

export type ModelRow = {
  id: string;
  version: number;
  status: 'training' | 'ready' | 'failed';
  active: boolean;
  source: 'csv' | 'listings';
  source_detail: string;
  synthetic: boolean;
  currency: string;
  fingerprint: string | null;
  rows: number | null;
  metrics: Record<string, unknown> | null;
  params: Record<string, unknown>;
  file_key: string | null;
  error: string | null;
  created_by: string | null;
  created_at: Date;
  trained_at: Date | null;
  activated_at: Date | null;
};

export type JobRow = {
  id: string;
  kind: 'train' | 'batch';
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string | null;
  progress: number;
  organization_id: string | null;
  created_by: string | null;
  locked_by: string | null;
  heartbeat_at: Date | null;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
};

export type ValuationRow = {
  id: string;
  property_id: string | null;
  organization_id: string | null;
  model_id: string;
  value_minor: number;
  lower_minor: number;
  upper_minor: number;
  currency: string;
  grade: string;
  result: Record<string, unknown>;
  created_by: string | null;
  created_at: Date;
};

export type ValuationTables = { valuation_models: ModelRow; valuation_jobs: JobRow; valuations: ValuationRow };
type Db = Kysely<ValuationTables>;

/** A JSON value for a jsonb column (the drivers would otherwise send arrays as PostgreSQL arrays). */
function json<T>(value: T): T {
  return (value === null || value === undefined ? null : sql`${JSON.stringify(value)}::jsonb`) as unknown as T;
}
const jsonColumns = ['metrics', 'params', 'input', 'result'] as const;
function withJson<T extends object>(row: T): T {
  const out = { ...row } as Record<string, unknown>;
  for (const key of jsonColumns) if (key in out) out[key] = json(out[key]);
  return out as unknown as T;
}

/** All SQL of the valuation module. */
export class ValuationRepository {
  readonly db: Db;
  constructor(database: Database) {
    this.db = database.withTables<ValuationTables>();
  }

  // ---- models --------------------------------------------------------------------------------

  /** Inserts a model with the next version number; retried by the caller on a version race. */
  async insertModel(row: Omit<ModelRow, 'version'>): Promise<ModelRow> {
    return this.db.transaction().execute(async (trx) => {
      // Serialises version numbering between nodes.
      await sql`SELECT pg_advisory_xact_lock(hashtext('valuation_models.version'))`.execute(trx);
      const { max } = (await trx.selectFrom('valuation_models').select((eb) => eb.fn.max<number>('version').as('max')).executeTakeFirst()) ?? { max: 0 };
      const full = { ...row, version: Number(max ?? 0) + 1 };
      await trx.insertInto('valuation_models').values(withJson(full)).execute();
      return full;
    });
  }

  async updateModel(id: string, changes: Partial<ModelRow>): Promise<void> {
    await this.db.updateTable('valuation_models').set(withJson(changes)).where('id', '=', id).execute();
  }

  findModel(id: string): Promise<ModelRow | undefined> {
    return this.db.selectFrom('valuation_models').selectAll().where('id', '=', id).executeTakeFirst();
  }

  activeModel(): Promise<ModelRow | undefined> {
    return this.db.selectFrom('valuation_models').selectAll().where('active', '=', true).executeTakeFirst();
  }

  listModels(limit: number): Promise<ModelRow[]> {
    return this.db.selectFrom('valuation_models').selectAll().orderBy('version', 'desc').limit(limit).execute();
  }

  /** The pointer swap: in one transaction the old model stops and the new one starts being active. */
  async activate(id: string, at: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('valuation_models').set({ active: false }).where('active', '=', true).where('id', '<>', id).execute();
      await trx.updateTable('valuation_models').set({ active: true, activated_at: at }).where('id', '=', id).execute();
    });
  }

  // ---- jobs ----------------------------------------------------------------------------------

  async insertJob(row: JobRow): Promise<void> {
    await this.db.insertInto('valuation_jobs').values(withJson(row)).execute();
  }

  findJob(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('valuation_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Takes the oldest queued job for this node (SKIP LOCKED: two nodes never take the same one). */
  async claimJob(nodeId: string, at: Date): Promise<JobRow | undefined> {
    const result = await sql<JobRow>`
      UPDATE valuation_jobs SET status = 'running', locked_by = ${nodeId}, heartbeat_at = ${at}, started_at = ${at}, attempts = attempts + 1
      WHERE id = (SELECT id FROM valuation_jobs WHERE status = 'queued' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING *`.execute(this.db);
    return result.rows[0];
  }

  async updateJob(id: string, changes: Partial<JobRow>): Promise<void> {
    await this.db.updateTable('valuation_jobs').set(withJson(changes)).where('id', '=', id).execute();
  }

  /** Jobs whose node stopped reporting are queued again (or failed after three attempts). */
  async requeueStale(before: Date): Promise<number> {
    const failed = await this.db.updateTable('valuation_jobs').set({ status: 'failed', error: 'the node running it stopped three times', finished_at: before }).where('status', '=', 'running').where('heartbeat_at', '<', before).where('attempts', '>=', 3).executeTakeFirst();
    const queued = await this.db.updateTable('valuation_jobs').set({ status: 'queued', locked_by: null }).where('status', '=', 'running').where('heartbeat_at', '<', before).executeTakeFirst();
    return Number(queued.numUpdatedRows) + Number(failed.numUpdatedRows);
  }

  // ---- valuations ----------------------------------------------------------------------------

  async insertValuation(row: ValuationRow): Promise<void> {
    await this.db.insertInto('valuations').values(withJson(row)).execute();
  }

  /** A property's valuations, newest first, before (created_at, id) of the cursor. */
  listValuations(propertyId: string, before: { createdAt: Date; id: string } | undefined, limit: number): Promise<ValuationRow[]> {
    let query = this.db.selectFrom('valuations').selectAll().where('property_id', '=', propertyId);
    if (before) query = query.where((eb) => eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]));
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }
}
