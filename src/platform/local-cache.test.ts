import { describe, expect, it } from 'vitest';
import { LocalCache } from './local-cache';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('LocalCache', () => {
  it('serves a loaded value until its lifetime on the injected clock ends', async () => {
    let now = 0;
    let loads = 0;
    const cache = new LocalCache<string, number>({ ttlMs: 1_000, maxEntries: 10, now: () => now });
    const load = async () => ++loads;
    expect(await cache.get('k', load)).toBe(1);
    now = 999;
    expect(await cache.get('k', load)).toBe(1);
    now = 1_000;
    expect(await cache.get('k', load)).toBe(2);
  });

  it('shares one load between concurrent gets', async () => {
    const cache = new LocalCache<string, string>({ ttlMs: 1_000, maxEntries: 10, now: () => 0 });
    const gate = deferred<string>();
    let loads = 0;
    const load = () => {
      loads += 1;
      return gate.promise;
    };
    const both = Promise.all([cache.get('k', load), cache.get('k', load)]);
    gate.resolve('v');
    expect(await both).toEqual(['v', 'v']);
    expect(loads).toBe(1);
  });

  it('never stores a load that an invalidation overtook, and later gets load afresh', async () => {
    const cache = new LocalCache<string, string>({ ttlMs: 60_000, maxEntries: 10, now: () => 0 });
    const stale = deferred<string>();
    const racing = cache.get('session', () => stale.promise);
    // The revocation lands while the read that started before it is still running.
    cache.delete('session');
    const after = cache.get('session', async () => 'revoked');
    stale.resolve('active');
    expect(await racing).toBe('active');
    expect(await after).toBe('revoked');
    expect(cache.peek('session')).toBe('revoked');
    const again = deferred<string>();
    const inFlight = cache.get('other', () => again.promise);
    cache.deleteWhere(() => false);
    again.resolve('x');
    await inFlight;
    expect(cache.peek('other')).toBeUndefined();
  });

  it('does not store what the caller calls uncacheable, and drops by predicate', async () => {
    const cache = new LocalCache<string, { user: string } | null>({ ttlMs: 60_000, maxEntries: 10, now: () => 0 });
    await cache.get('unknown', async () => null, (value) => value !== null);
    expect(cache.peek('unknown')).toBeUndefined();
    await cache.get('s1', async () => ({ user: 'u1' }));
    await cache.get('s2', async () => ({ user: 'u2' }));
    cache.deleteWhere((_key, value) => value?.user === 'u1');
    expect(cache.peek('s1')).toBeUndefined();
    expect(cache.peek('s2')).toEqual({ user: 'u2' });
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const cache = new LocalCache<number, number>({ ttlMs: 60_000, maxEntries: 4, now: () => 0 });
    for (let key = 0; key < 6; key += 1) await cache.get(key, async () => key);
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.peek(5)).toBe(5);
    expect(cache.peek(0)).toBeUndefined();
  });

  it('may serve an expired entry for a grace period while one background load refreshes it', async () => {
    let now = 0;
    const cache = new LocalCache<string, number>({ ttlMs: 1_000, staleWhileRefreshMs: 2_000, maxEntries: 10, now: () => now });
    let loads = 0;
    const gate = deferred<number>();
    expect(await cache.get('ip', async () => ++loads)).toBe(1);
    now = 1_500;
    const slow = () => {
      loads += 1;
      return gate.promise;
    };
    // Expired but within the grace period: the old value, without waiting; one refresh starts.
    expect(await cache.get('ip', slow)).toBe(1);
    expect(await cache.get('ip', slow)).toBe(1);
    expect(loads).toBe(2);
    gate.resolve(7);
    await gate.promise;
    await Promise.resolve();
    expect(await cache.get('ip', slow)).toBe(7);
    // Past the grace period the caller waits for a fresh load; an invalidated entry is never served.
    now = 1_500 + 3_000;
    expect(await cache.get('ip', async () => 9)).toBe(9);
    cache.delete('ip');
    expect(await cache.get('ip', async () => 10)).toBe(10);
  });

  it('loads every time with a lifetime of 0 (caching off)', async () => {
    const cache = new LocalCache<string, number>({ ttlMs: 0, maxEntries: 10, now: () => 0 });
    let loads = 0;
    await cache.get('k', async () => ++loads);
    await cache.get('k', async () => ++loads);
    expect(loads).toBe(2);
  });
});
