import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Clock } from './clock';
import type { Database } from './db';
import { platformErrors } from './errors';

interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number;
  response: unknown;
  created_at: Date;
}
type IdempotencyTables = { idempotency_keys: IdempotencyKeysTable };

export interface IdempotentRequest {
  /** Who and what: e.g. `POST /listings user:<id>`, so that keys of different callers never meet. */
  scope: string;
  /** The client's Idempotency-Key; without one the work simply runs. */
  key: string | undefined;
  /** The request body; a replay must send the same one. */
  payload: unknown;
}

export interface IdempotentOutcome<T> {
  statusCode: number;
  body: T;
  /** True when the stored response of an earlier identical request was returned. */
  replayed: boolean;
}

/** A transaction over the whole database; a module narrows it with `trx.withTables<ItsTables>()`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type DatabaseTransaction = Transaction<{}>;

class Replay extends Error {}

/**
 * Retry-safe writes driven by a client's Idempotency-Key (DESIGN.md §4.6). The work runs in a
 * transaction that also stores the response under (scope, key); the primary key makes a
 * concurrent duplicate wait for the first and then replay its response, so the write happens
 * once. Same key with a different body: 422 IDEMPOTENCY_KEY_REUSED. Failed requests store
 * nothing, so a retry after an error runs again. Keys expire after `ttlMs` (default 24 h).
 */
export class IdempotencyKeys {
  private readonly db;
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly ttlMs = 24 * 3_600_000,
  ) {
    this.db = database.withTables<IdempotencyTables>();
  }

  async execute<T>(
    request: IdempotentRequest,
    work: (trx: DatabaseTransaction) => Promise<{ statusCode: number; body: T }>,
  ): Promise<IdempotentOutcome<T>> {
    if (request.key === undefined) {
      const result = await this.database.transaction().execute((trx) => work(trx));
      return { ...result, replayed: false };
    }
    const requestHash = hashPayload(request.payload);
    const stored = await this.lookup(request.scope, request.key, requestHash);
    if (stored) return stored as IdempotentOutcome<T>;
    try {
      const result = await this.database.transaction().execute(async (trx) => {
        const outcome = await work(trx);
        const inserted = await trx
          .withTables<IdempotencyTables>()
          .insertInto('idempotency_keys')
          .values({
            scope: request.scope,
            key: request.key as string,
            request_hash: requestHash,
            status_code: outcome.statusCode,
            response: sql`${JSON.stringify(outcome.body)}::jsonb`,
            created_at: this.clock.now(),
          })
          .onConflict((conflict) => conflict.columns(['scope', 'key']).doNothing())
          .returning('key')
          .executeTakeFirst();
        // Someone else committed this key while we worked: undo our write and replay theirs.
        if (!inserted) throw new Replay();
        return outcome;
      });
      return { ...result, replayed: false };
    } catch (error) {
      if (!(error instanceof Replay)) throw error;
      const winner = await this.lookup(request.scope, request.key, requestHash);
      if (!winner) throw platformErrors.CONFLICT('A request with this Idempotency-Key is being processed; retry shortly.');
      return winner as IdempotentOutcome<T>;
    }
  }

  /** Deletes keys older than the time-to-live; returns how many. */
  async purgeExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('created_at', '<', new Date(this.clock.now().getTime() - this.ttlMs))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async lookup(scope: string, key: string, requestHash: string): Promise<IdempotentOutcome<unknown> | null> {
    const row = await this.db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    if (!row) return null;
    if (row.created_at.getTime() < this.clock.now().getTime() - this.ttlMs) {
      await this.db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute();
      return null;
    }
    if (row.request_hash !== requestHash) {
      throw platformErrors.IDEMPOTENCY_KEY_REUSED(
        'This Idempotency-Key was used with a different request body. Use a new key for a new request.',
        [{ path: 'headers.idempotency-key', message: 'already used with a different body' }],
      );
    }
    return { statusCode: row.status_code, body: row.response, replayed: true };
  }
}

/** SHA-256 of the payload as canonical JSON (object keys sorted), so key order does not matter. */
export function hashPayload(payload: unknown): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
