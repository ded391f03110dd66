import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../../platform/clock';
import { riskErrors } from '../risk/risk.errors';
import type { AbuseStore, LockRecord } from './abuse.store';

/**
 * Lock-outs and progressive delays per account and per IP. Defaults follow OWASP's
 * authentication cheat sheet: a couple of typos cost nothing, then each failure doubles the wait
 * before the next try, and a burst locks the account (or the address) for a while. Accounts are
 * keyed by a hash of the e-mail, known or not, so a lock-out never reveals whether an account exists.
 */
export interface AbuseLimits {
  windowMs: number;
  accountFreeFailures: number;
  accountLockAfter: number;
  accountLockMs: number;
  ipFreeFailures: number;
  ipLockAfter: number;
  ipLockMs: number;
  stuffingWindowMs: number;
  /** Distinct accounts failing from one IP that lock the IP out (credential stuffing). */
  stuffingLockAccounts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultAbuseLimits: AbuseLimits = {
  windowMs: 15 * 60_000,
  accountFreeFailures: 5,
  accountLockAfter: 10,
  accountLockMs: 15 * 60_000,
  ipFreeFailures: 20,
  ipLockAfter: 100,
  ipLockMs: 30 * 60_000,
  stuffingWindowMs: 60 * 60_000,
  stuffingLockAccounts: 20,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
};

export const accountKey = (email: string) => `account:${accountHash(email)}`;
export const ipKey = (ip: string) => `ip:${ip}`;
const ipAccountsKey = (ip: string) => `ip-accounts:${ip}`;
export function accountHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

export interface Velocity {
  accountFailures: number;
  ipFailures: number;
  ipDistinctAccounts: number;
}

export class AbuseService {
  constructor(
    readonly store: AbuseStore,
    private readonly clock: Clock,
    readonly limits: AbuseLimits = defaultAbuseLimits,
  ) {}

  /** Throws LOGIN_LOCKED (423) or LOGIN_THROTTLED (429), each with `retryAfterSeconds`. */
  async checkAttempt(email: string, ip: string): Promise<void> {
    const now = this.clock.now();
    const [accountLock, ipLock, account, address] = await Promise.all([
      this.store.lockOf(accountKey(email), now),
      this.store.lockOf(ipKey(ip), now),
      this.store.count(accountKey(email), now, this.limits.windowMs),
      this.store.count(ipKey(ip), now, this.limits.windowMs),
    ]);
    const lock = accountLock ?? ipLock;
    if (lock) {
      const seconds = Math.max(1, Math.ceil((lock.locked_until.getTime() - now.getTime()) / 1000));
      throw riskErrors.LOGIN_LOCKED(
        lock.kind === 'account'
          ? `Too many failed log-ins for this account: it is locked for ${seconds} s more. An organization admin can lift the lock sooner.`
          : `Too many failed log-ins from your network: log-ins from it are locked for ${seconds} s more.`,
        [],
        { retryAfterSeconds: seconds, lockedUntil: lock.locked_until.toISOString() },
      );
    }
    const wait = Math.max(
      this.remainingDelay(account.count, account.latest, this.limits.accountFreeFailures, now),
      this.remainingDelay(address.count, address.latest, this.limits.ipFreeFailures, now),
    );
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw riskErrors.LOGIN_THROTTLED(`Several log-ins failed just now; wait ${seconds} s before the next try.`, [], { retryAfterSeconds: seconds });
    }
  }

  /** The delay still to wait after `count` failures, the newest at `latest`. */
  private remainingDelay(count: number, latest: Date | null, free: number, now: Date): number {
    if (count < free || !latest) return 0;
    const delay = Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** (count - free));
    return Math.max(0, latest.getTime() + delay - now.getTime());
  }

  /** Counts a failure; returns the velocity after it and any lock it triggered. */
  async recordFailure(email: string, userId: string | null, ip: string): Promise<Velocity & { locks: LockRecord[] }> {
    const now = this.clock.now();
    const member = `${now.getTime()}-${randomBytes(6).toString('hex')}`;
    const [account, address, accounts] = await Promise.all([
      this.store.mark(accountKey(email), member, now, this.limits.windowMs),
      this.store.mark(ipKey(ip), member, now, this.limits.windowMs),
      this.store.mark(ipAccountsKey(ip), accountHash(email), now, this.limits.stuffingWindowMs),
    ]);
    const locks: LockRecord[] = [];
    if (account.count >= this.limits.accountLockAfter) {
      locks.push({
        key: accountKey(email),
        kind: 'account',
        user_id: userId,
        subject: userId ?? `unknown account ${accountHash(email).slice(0, 12)}`,
        reason: 'failed_attempts_account',
        failures: account.count,
        locked_at: now,
        locked_until: new Date(now.getTime() + this.limits.accountLockMs),
      });
    }
    const stuffing = accounts.count >= this.limits.stuffingLockAccounts;
    if (address.count >= this.limits.ipLockAfter || stuffing) {
      locks.push({
        key: ipKey(ip),
        kind: 'ip',
        user_id: null,
        subject: ip,
        reason: stuffing ? 'credential_stuffing' : 'failed_attempts_ip',
        failures: address.count,
        locked_at: now,
        locked_until: new Date(now.getTime() + this.limits.ipLockMs),
      });
    }
    for (const lock of locks) {
      await this.store.lock(lock);
      // A lock replaces the delay ladder: once it expires the next try is not throttled.
      await this.store.clear(lock.key);
    }
    return { accountFailures: account.count, ipFailures: address.count, ipDistinctAccounts: accounts.count, locks };
  }

  /** A successful log-in forgets the account's failures (not the address's). */
  async recordSuccess(email: string): Promise<void> {
    await this.store.clear(accountKey(email));
  }

  async velocity(email: string | null, ip: string): Promise<Velocity> {
    const now = this.clock.now();
    const [account, address, accounts] = await Promise.all([
      email ? this.store.count(accountKey(email), now, this.limits.windowMs) : Promise.resolve({ count: 0, latest: null }),
      this.store.count(ipKey(ip), now, this.limits.windowMs),
      this.store.count(ipAccountsKey(ip), now, this.limits.stuffingWindowMs),
    ]);
    return { accountFailures: account.count, ipFailures: address.count, ipDistinctAccounts: accounts.count };
  }

  activeLocks(limit = 500): Promise<LockRecord[]> {
    return this.store.activeLocks(this.clock.now(), limit);
  }

  unlock(key: string): Promise<boolean> {
    return this.store.unlock(key);
  }
}
