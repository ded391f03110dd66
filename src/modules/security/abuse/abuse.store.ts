import { sql, type Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import type { Database } from '../../../platform/db';
import type { RiskTables, SecurityLockoutsTable } from '../security.tables';

export type LockRecord = SecurityLockoutsTable;

export interface WindowCount {
  count: number;
  /** The newest mark in the window; null when the window is empty. */
  latest: Date | null;
}

/**
 * Counters for abuse protection: marks in sliding windows (failed attempts; distinct accounts
 * per IP), lock-outs, and fixed-window request counters. Time is always the injected clock's,
 * passed in; the store never reads its own clock (Redis TTLs are only for clean-up).
 */
export interface AbuseStore {
  readonly kind: 'redis' | 'database';
  /** Adds (or refreshes) `member` at `at` in window `key`, forgets marks older than the window. */
  mark(key: string, member: string, at: Date, windowMs: number): Promise<WindowCount>;
  count(key: string, now: Date, windowMs: number): Promise<WindowCount>;
  clear(key: string): Promise<void>;
  lock(record: LockRecord): Promise<void>;
  /** The lock on `key` when it is still in force at `now`. */
  lockOf(key: string, now: Date): Promise<LockRecord | null>;
  unlock(key: string): Promise<boolean>;
  /** Locks in force at `now`, soonest to expire first. */
  activeLocks(now: Date, limit: number): Promise<LockRecord[]>;
  /** Increments the counter of a fixed window and returns the new count. */
  hit(key: string, windowStart: Date, windowMs: number): Promise<number>;
}

/** The embedded flavour: plain tables, portable between PGlite and PostgreSQL. */
export class DatabaseAbuseStore implements AbuseStore {
  readonly kind = 'database' as const;
  private readonly db: Kysely<RiskTables>;
  constructor(database: Database) {
    this.db = database.withTables<RiskTables>();
  }

  async mark(key: string, member: string, at: Date, windowMs: number): Promise<WindowCount> {
    await this.db
      .insertInto('security_abuse_marks')
      .values({ key, member, at })
      .onConflict((conflict) => conflict.columns(['key', 'member']).doUpdateSet({ at }))
      .execute();
    await this.db.deleteFrom('security_abuse_marks').where('key', '=', key).where('at', '<=', new Date(at.getTime() - windowMs)).execute();
    return this.count(key, at, windowMs);
  }

  async count(key: string, now: Date, windowMs: number): Promise<WindowCount> {
    const row = await this.db
      .selectFrom('security_abuse_marks')
      .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.max('at').as('latest')])
      .where('key', '=', key)
      .where('at', '>', new Date(now.getTime() - windowMs))
      .executeTakeFirst();
    const latest = row?.latest ? new Date(row.latest as unknown as string) : null;
    return { count: Number(row?.count ?? 0), latest };
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('security_abuse_marks').where('key', '=', key).execute();
  }

  async lock(record: LockRecord): Promise<void> {
    await this.db
      .insertInto('security_lockouts')
      .values(record)
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet({
          reason: record.reason,
          failures: record.failures,
          locked_at: record.locked_at,
          locked_until: record.locked_until,
          user_id: record.user_id,
          subject: record.subject,
        }),
      )
      .execute();
  }

  async lockOf(key: string, now: Date): Promise<LockRecord | null> {
    const row = await this.db.selectFrom('security_lockouts').selectAll().where('key', '=', key).where('locked_until', '>', now).executeTakeFirst();
    return row ?? null;
  }

  async unlock(key: string): Promise<boolean> {
    const result = await this.db.deleteFrom('security_lockouts').where('key', '=', key).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  activeLocks(now: Date, limit: number): Promise<LockRecord[]> {
    return this.db.selectFrom('security_lockouts').selectAll().where('locked_until', '>', now).orderBy('locked_until').limit(limit).execute();
  }

  async hit(key: string, windowStart: Date, windowMs: number): Promise<number> {
    const row = await this.db
      .insertInto('security_request_counters')
      .values({ key, window_start: windowStart, count: 1 })
      .onConflict((conflict) => conflict.columns(['key', 'window_start']).doUpdateSet({ count: sql<number>`security_request_counters.count + 1` }))
      .returning('count')
      .executeTakeFirstOrThrow();
    // Old windows are useless; dropping them here keeps the table at one row per active key.
    await this.db.deleteFrom('security_request_counters').where('key', '=', key).where('window_start', '<', new Date(windowStart.getTime() - windowMs)).execute();
    return row.count;
  }
}

/**
 * The scale-out flavour: sorted sets scored by the injected clock's milliseconds for windows,
 * a hash per lock plus one sorted set indexing them by expiry, INCR for request counters.
 * Every key lives under a prefix of its own per installation.
 */
export class RedisAbuseStore implements AbuseStore {
  readonly kind = 'redis' as const;
  private prefix: string | undefined;
  constructor(
    private readonly redis: Redis,
    /** Resolved once, on first use (the installation id is read from the database). */
    private readonly resolvePrefix: () => Promise<string>,
  ) {}

  private async k(key: string): Promise<string> {
    this.prefix ??= await this.resolvePrefix();
    return `${this.prefix}${key}`;
  }

  async mark(key: string, member: string, at: Date, windowMs: number): Promise<WindowCount> {
    const redisKey = await this.k(`w:${key}`);
    const now = at.getTime();
    const results = await this.redis
      .multi()
      .zadd(redisKey, String(now), member)
      .zremrangebyscore(redisKey, '-inf', String(now - windowMs))
      .pexpire(redisKey, Math.max(windowMs, 1000))
      .zcard(redisKey)
      .zrange(redisKey, '-1', '-1', 'WITHSCORES')
      .exec();
    return readWindow(results?.[3]?.[1], results?.[4]?.[1]);
  }

  async count(key: string, now: Date, windowMs: number): Promise<WindowCount> {
    const redisKey = await this.k(`w:${key}`);
    const from = `(${now.getTime() - windowMs}`;
    const results = await this.redis.multi().zcount(redisKey, from, '+inf').zrevrangebyscore(redisKey, '+inf', from, 'WITHSCORES', 'LIMIT', '0', '1').exec();
    return readWindow(results?.[0]?.[1], results?.[1]?.[1]);
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(await this.k(`w:${key}`));
  }

  async lock(record: LockRecord): Promise<void> {
    const ttl = Math.max(1000, record.locked_until.getTime() - record.locked_at.getTime());
    await this.redis
      .multi()
      .set(await this.k(`lock:${record.key}`), JSON.stringify(record), 'PX', ttl)
      .zadd(await this.k('locks'), String(record.locked_until.getTime()), record.key)
      .exec();
  }

  async lockOf(key: string, now: Date): Promise<LockRecord | null> {
    const raw = await this.redis.get(await this.k(`lock:${key}`));
    const record = raw ? parseLock(raw) : null;
    return record && record.locked_until.getTime() > now.getTime() ? record : null;
  }

  async unlock(key: string): Promise<boolean> {
    const results = await this.redis.multi().del(await this.k(`lock:${key}`)).zrem(await this.k('locks'), key).exec();
    return Number(results?.[0]?.[1] ?? 0) > 0;
  }

  async activeLocks(now: Date, limit: number): Promise<LockRecord[]> {
    await this.redis.zremrangebyscore(await this.k('locks'), '-inf', String(now.getTime()));
    const keys = await this.redis.zrange(await this.k('locks'), '0', String(limit - 1));
    if (keys.length === 0) return [];
    const base = await this.k('lock:');
    const raws = await this.redis.mget(keys.map((key) => `${base}${key}`));
    return raws
      .map((raw) => (raw ? parseLock(raw) : null))
      .filter((record): record is LockRecord => record !== null && record.locked_until.getTime() > now.getTime());
  }

  async hit(key: string, windowStart: Date, windowMs: number): Promise<number> {
    const redisKey = await this.k(`c:${key}:${windowStart.getTime()}`);
    const results = await this.redis.multi().incr(redisKey).pexpire(redisKey, windowMs * 2).exec();
    return Number(results?.[0]?.[1] ?? 0);
  }
}

function readWindow(count: unknown, newest: unknown): WindowCount {
  const pair = Array.isArray(newest) ? newest : [];
  return { count: Number(count ?? 0), latest: pair.length >= 2 ? new Date(Number(pair[1])) : null };
}

function parseLock(raw: string): LockRecord | null {
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    return {
      ...(value as unknown as LockRecord),
      locked_at: new Date(String(value.locked_at)),
      locked_until: new Date(String(value.locked_until)),
    };
  } catch {
    return null;
  }
}
