import type { Clock } from '../../platform/clock';
import type { EventBus } from '../../platform/events';
import { cacheClock, LocalCache } from '../../platform/local-cache';
import type { Logger } from '../../platform/logger';
import type { ApiKeyRow } from './identity.repository';
import type { Role } from './identity.schema';

/**
 * What changed in who may do what. Every change that narrows (or widens) access — log-out,
 * revoked sessions or devices, a second factor passed, a factor change that ends other sessions,
 * role changes, removed members, revoked API keys, erasure — is announced with one of these, so
 * that every node drops what it cached at once.
 */
export interface AccessChange {
  reason: string;
  /** Session ids (the SHA-256 of the token). */
  sessions?: string[];
  /** Every session, membership and risk profile of these users. */
  users?: string[];
  memberships?: Array<{ organizationId: string; userId: string }>;
  /** API key prefixes (the `<prefix>` of `dk_<prefix>_<secret>`). */
  apiKeys?: string[];
}

declare module '../../platform/events' {
  interface DomusEvents {
    'identity.access.changed': AccessChange;
  }
}

/** A session as the gateway needs it (no token, only its hash as id). */
export interface CachedSession {
  id: string;
  userId: string;
  mfaVerifiedAt: Date | null;
  deviceId: string | null;
  expiresAt: Date;
  lastSeenAt: Date;
}

const standingKey = (userId: string, organizationId: string) => `${userId}:${organizationId}`;

/**
 * Identity's per-node caches of what every authenticated request reads: sessions by token hash,
 * members' roles by (user, organization), API keys by prefix. Each change is applied here first
 * (the node that made it never serves stale data) and then published on the bus; other nodes
 * apply it when it arrives. The lifetime (`AUTH_CACHE_TTL_SECONDS`) bounds staleness only if a
 * notice is lost; after the Redis bus reconnects (notices may have been missed) everything is
 * dropped.
 */
export class IdentityCache {
  /** Unknown or revoked sessions are loaded as null and never stored. */
  readonly sessions: LocalCache<string, CachedSession | null>;
  /** The member's role, or null for "not a member" (also cached: probes of other tenants are common). */
  readonly standings: LocalCache<string, Role | null>;
  readonly apiKeys: LocalCache<string, ApiKeyRow | null>;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly bus: EventBus,
    clock: Clock,
    ttlSeconds: number,
    private readonly logger: Logger,
  ) {
    const options = { ttlMs: ttlSeconds * 1000, now: cacheClock(clock) };
    this.sessions = new LocalCache({ ...options, maxEntries: 50_000 });
    this.standings = new LocalCache({ ...options, maxEntries: 100_000 });
    this.apiKeys = new LocalCache({ ...options, maxEntries: 10_000 });
    this.unsubscribe.push(
      bus.subscribe('identity.access.changed', (change) => this.apply(change)),
      bus.subscribe('platform.bus.resumed', () => this.clear()),
    );
  }

  standing(userId: string, organizationId: string, load: () => Promise<Role | null>): Role | null | Promise<Role | null> {
    const key = standingKey(userId, organizationId);
    const cached = this.standings.peek(key);
    return cached !== undefined ? cached : this.standings.get(key, load);
  }

  /** Applies a change on this node, then tells the others. A lost notice is bounded by the lifetime. */
  async changed(change: AccessChange): Promise<void> {
    this.apply(change);
    try {
      await this.bus.publish('identity.access.changed', change);
    } catch (error) {
      this.logger.error({ err: error, reason: change.reason }, 'could not announce an access change; other nodes follow within AUTH_CACHE_TTL_SECONDS');
    }
  }

  apply(change: AccessChange): void {
    if (change.sessions?.length) for (const id of change.sessions) this.sessions.delete(id);
    if (change.users?.length) {
      const users = new Set(change.users);
      this.sessions.deleteWhere((_id, session) => !session || users.has(session.userId));
      this.standings.deleteWhere((key) => users.has(key.slice(0, key.indexOf(':'))));
    }
    if (change.memberships?.length) for (const { organizationId, userId } of change.memberships) this.standings.delete(standingKey(userId, organizationId));
    if (change.apiKeys?.length) for (const prefix of change.apiKeys) this.apiKeys.delete(prefix);
  }

  clear(): void {
    this.sessions.clear();
    this.standings.clear();
    this.apiKeys.clear();
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }
}

/**
 * Writes that may lag (a session's "last seen" and sliding expiry, an API key's "last used"):
 * queued per key, the latest value wins, and written in one statement every `intervalMs` and on
 * shutdown — instead of a write inside the request that noticed it.
 */
export class WriteBehind<V> {
  private pending = new Map<string, V>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly write: (batch: Map<string, V>) => Promise<void>,
    intervalMs: number,
    private readonly logger: Logger,
    private readonly what: string,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  queue(key: string, value: V): void {
    this.pending.set(key, value);
  }

  /** The queued, not yet written value of a key (readers merge it into what they load). */
  queued(key: string): V | undefined {
    return this.pending.get(key);
  }

  /** Writes what is queued; resolves when it (and any earlier flush) is done. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.write(batch);
      } catch (error) {
        this.logger.warn({ err: error, count: batch.size }, `could not write ${this.what}; it will be retried`);
        for (const [key, value] of batch) if (!this.pending.has(key)) this.pending.set(key, value);
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
