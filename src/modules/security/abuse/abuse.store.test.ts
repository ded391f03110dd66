import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../../test/support/harness';
import { migrateToLatest, type DatabaseHandle } from '../../../platform/db';
import { newId } from '../../../platform/ids';
import { DatabaseAbuseStore, RedisAbuseStore, type AbuseStore } from './abuse.store';
import { vetNewPassword, commonPasswordCount } from './password-policy';

/** The same contract for both flavours: the database one always, Redis when REDIS_URL is set. */
let database: { handle: DatabaseHandle; drop: () => Promise<void> };
let redis: Redis | undefined;
beforeAll(async () => {
  database = await openTestDatabase();
  await migrateToLatest(database.handle.db);
  if (process.env.REDIS_URL) redis = new Redis(process.env.REDIS_URL);
});
afterAll(async () => {
  await database?.drop();
  await redis?.quit();
});

const flavours: Array<[string, () => AbuseStore]> = [
  ['database', () => new DatabaseAbuseStore(database.handle.db)],
  ['redis', () => new RedisAbuseStore(redis as Redis, async () => `domus-test:${newId()}:abuse:`)],
];

const t0 = new Date('2026-05-01T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe.each(flavours)('abuse store (%s)', (name, make) => {
  const skip = name === 'redis' && !process.env.REDIS_URL;

  it.skipIf(skip)('counts marks in a sliding window, refreshing a repeated member', async () => {
    const store = make();
    const key = `w-${newId()}`;
    expect(await store.mark(key, 'a', at(0), 60_000)).toEqual({ count: 1, latest: at(0) });
    expect((await store.mark(key, 'b', at(10_000), 60_000)).count).toBe(2);
    expect((await store.mark(key, 'a', at(20_000), 60_000)).count).toBe(2);
    expect(await store.count(key, at(65_000), 60_000)).toEqual({ count: 2, latest: at(20_000) });
    expect((await store.count(key, at(75_000), 60_000)).count).toBe(1);
    expect((await store.count(key, at(90_000), 60_000)).count).toBe(0);
    await store.mark(key, 'c', at(100_000), 60_000);
    await store.clear(key);
    expect(await store.count(key, at(100_000), 60_000)).toEqual({ count: 0, latest: null });
  });

  it.skipIf(skip)('keeps locks until they expire by the given clock, lists and lifts them', async () => {
    const store = make();
    const key = `account:${newId()}`;
    await store.lock({ key, kind: 'account', user_id: null, subject: 'someone', reason: 'failed_attempts_account', failures: 10, locked_at: at(0), locked_until: at(900_000) });
    expect((await store.lockOf(key, at(899_000)))?.failures).toBe(10);
    expect((await store.activeLocks(at(1_000), 1000)).map((lock) => lock.key)).toContain(key);
    expect(await store.lockOf(key, at(900_000))).toBeNull();
    expect(await store.unlock(key)).toBe(true);
    expect(await store.unlock(key)).toBe(false);
    expect(await store.lockOf(key, at(0))).toBeNull();
  });

  it.skipIf(skip)('counts hits per fixed window', async () => {
    const store = make();
    const key = `api-key:${newId()}`;
    expect(await store.hit(key, at(0), 60_000)).toBe(1);
    expect(await store.hit(key, at(0), 60_000)).toBe(2);
    expect(await store.hit(key, at(60_000), 60_000)).toBe(1);
  });
});

describe('password policy', () => {
  it('bundles tens of thousands of breached passwords', () => {
    expect(commonPasswordCount()).toBeGreaterThan(40_000);
  });

  it('refuses listed passwords and their cheap variations, accepts uncommon ones', () => {
    expect(vetNewPassword('dragon').ok).toBe(false);
    expect(vetNewPassword('DRAGON').ok).toBe(false);
    expect(vetNewPassword('dragon2026!').ok).toBe(false);
    expect(vetNewPassword('ilove you').ok).toBe(false);
    expect(vetNewPassword('xyxyxyxyxy').ok).toBe(false);
    expect(vetNewPassword('jan.de.vries', { email: 'jan.de.vries@example.test' }).ok).toBe(false);
    expect(vetNewPassword('Jan de Vries 2', { displayName: 'Jan de Vries' }).ok).toBe(true);
    expect(vetNewPassword('jan de vries', { displayName: 'Jan de Vries' }).ok).toBe(false);
    expect(vetNewPassword('copper whistle dune').ok).toBe(true);
  });
});
