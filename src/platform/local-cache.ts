import { performance } from 'node:perf_hooks';
import { systemClock, type Clock } from './clock';

/** The `now` option for a cache on this clock: none for the system clock (real time suffices and costs no Date). */
export function cacheClock(clock: Clock): (() => number) | undefined {
  return clock === systemClock ? undefined : () => clock.now().getTime();
}

export interface LocalCacheOptions {
  /** How long an entry may be served; 0 turns the cache off (every get loads). */
  ttlMs: number;
  /** Beyond this many entries the oldest are dropped. */
  maxEntries: number;
  /**
   * The injected clock's milliseconds when it is not the system clock (tests move it); entries
   * always expire by real time as well. `cacheClock(clock)` gives the right value.
   */
  now?: () => number;
  /**
   * Past its lifetime an entry may still be served for this long while one background load
   * refreshes it, so that no request waits for the refresh. Only for data where that lag is
   * harmless (failure counters); never for what an invalidation must stop (an invalidated
   * entry is gone, not stale).
   */
  staleWhileRefreshMs?: number;
}

interface Entry<V> {
  value: V;
  at: number;
  real: number;
}

/**
 * A per-node cache of values loaded from the database, for data that is read on every request
 * and changes rarely (sessions, memberships, risk profiles). Whoever changes the data drops the
 * entries — locally and, through the bus, on every other node — and the short lifetime is only
 * the safety net for a lost notice.
 *
 * Loads are shared: concurrent gets of one key wait for one load. An invalidation that arrives
 * while a load is running wins: that load's result answers the requests that were already
 * waiting (they started before the change) but is not stored, and later gets load afresh, so a
 * revoked session can never be put back into the cache by a read that raced the revocation.
 */
export class LocalCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly loading = new Map<K, Promise<V>>();
  private generation = 0;

  constructor(private readonly options: LocalCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** The fresh cached value, or undefined. */
  peek(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.age(entry) < this.options.ttlMs) return entry.value;
    if (this.age(entry) >= this.options.ttlMs + (this.options.staleWhileRefreshMs ?? 0)) this.entries.delete(key);
    return undefined;
  }

  async get(key: K, load: () => Promise<V>, cacheable: (value: V) => boolean = () => true): Promise<V> {
    const entry = this.entries.get(key);
    if (entry) {
      const age = this.age(entry);
      if (age < this.options.ttlMs) return entry.value;
      if (age < this.options.ttlMs + (this.options.staleWhileRefreshMs ?? 0)) {
        if (!this.loading.has(key)) this.startLoad(key, load, cacheable).catch(() => undefined);
        return entry.value;
      }
      this.entries.delete(key);
    }
    if (this.options.ttlMs <= 0) return load();
    return this.loading.get(key) ?? this.startLoad(key, load, cacheable);
  }

  private startLoad(key: K, load: () => Promise<V>, cacheable: (value: V) => boolean): Promise<V> {
    const generation = this.generation;
    const promise = load().then(
      (value) => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
        if (generation === this.generation && cacheable(value)) this.set(key, value);
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, promise);
    return promise;
  }

  /** Replaces a cached value in place (e.g. the session's new expiry after a touch); no-op when absent. */
  update(key: K, change: (value: V) => V): void {
    const entry = this.entries.get(key);
    if (entry) entry.value = change(entry.value);
  }

  delete(key: K): void {
    this.invalidated();
    this.entries.delete(key);
  }

  /** Drops every entry whose key or value matches (e.g. all sessions of a user). */
  deleteWhere(matches: (key: K, value: V) => boolean): void {
    this.invalidated();
    for (const [key, entry] of this.entries) if (matches(key, entry.value)) this.entries.delete(key);
  }

  clear(): void {
    this.invalidated();
    this.entries.clear();
  }

  private invalidated(): void {
    // Loads that started before this change must neither be stored nor be joined by later gets.
    this.generation += 1;
    this.loading.clear();
  }

  private set(key: K, value: V): void {
    if (this.entries.size >= this.options.maxEntries) {
      // Oldest insertion first; a quarter at a time so that a full cache does not evict on every set.
      let drop = Math.max(1, Math.floor(this.options.maxEntries / 4));
      for (const oldest of this.entries.keys()) {
        this.entries.delete(oldest);
        if (--drop <= 0) break;
      }
    }
    this.entries.delete(key);
    this.entries.set(key, { value, at: this.options.now?.() ?? 0, real: performance.now() });
  }

  /** The older of the entry's ages on the injected clock (either direction) and in real time. */
  private age(entry: Entry<V>): number {
    const real = performance.now() - entry.real;
    return this.options.now ? Math.max(Math.abs(this.options.now() - entry.at), real) : real;
  }
}
