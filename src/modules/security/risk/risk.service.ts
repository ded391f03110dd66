import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../../platform/clock';
import type { EventBus } from '../../../platform/events';
import type { AuthContext } from '../../../platform/http';
import { newId } from '../../../platform/ids';
import { cacheClock, LocalCache } from '../../../platform/local-cache';
import type { Logger } from '../../../platform/logger';
import type { AbuseService, Velocity } from '../abuse/abuse.service';
import type { LoginOutcome, Plan } from '../security.tables';
import { networkOf, type Geolocator, type Place } from './geolocation';
import { decide, defaultRiskPolicy, scoreRisk, type RiskDecision, type RiskPolicy, type RiskReason } from './risk.engine';
import { riskErrors } from './risk.errors';
import type { OrgSettingsRow, RiskRepository } from './risk.repository';

export interface RiskAssessment {
  score: number;
  reasons: RiskReason[];
  decision: RiskDecision;
  place: Place | null;
  network: string;
}

/** Which organizations a user belongs to (identity's memberships; wired by the security module). */
export type MembershipLookup = (userId: string) => Promise<string[]>;

/**
 * What the engine compares a request with, gathered from the user's successful log-ins and their
 * organizations' policies. Everything that depends on the moment (travel speed, the hour, failure
 * velocity) is computed per request from it.
 */
export interface RiskProfile {
  priorLogIns: number;
  knownCountries: ReadonlySet<string>;
  knownNetworks: ReadonlySet<string>;
  previous: { at: Date; place: Place } | null;
  hourHistogram: readonly number[];
  policy: RiskPolicy;
  organizationIds: readonly string[];
}

/** Notices that a user's risk profile or an organization's policy changed (every node drops its copy). */
export interface RiskProfileChange {
  users?: string[];
  organizations?: string[];
}

declare module '../../../platform/events' {
  interface DomusEvents {
    'security.risk.changed': RiskProfileChange;
  }
}

export interface RiskServiceOptions {
  bus: EventBus;
  logger: Logger;
  /** Lifetime of cached risk profiles (AUTH_CACHE_TTL_SECONDS); 0 = always read the history. */
  cacheTtlSeconds: number;
}

/**
 * Failure counters per address are re-read at most once a second on sensitive requests, in the
 * background for up to two more seconds (no request waits for the re-read); a failure counted on
 * this node drops its address's counters at once.
 */
const velocityRefreshMs = 1_000;
const velocityStaleMs = 2_000;

export const planDefaults: Record<Plan, { apiKeyPerMinute: number }> = {
  basic: { apiKeyPerMinute: 120 },
  pro: { apiKeyPerMinute: 1_200 },
  enterprise: { apiKeyPerMinute: 12_000 },
};

export interface OrgSecuritySettings {
  organizationId: string;
  stepUpAt: number;
  denyAt: number;
  plan: Plan;
  apiKeyRequestsPerMinute: number;
  /** The per-key limit is the plan's default (no override set). */
  planDefault: boolean;
  updatedAt: string | null;
}

export function toSettings(organizationId: string, row: OrgSettingsRow | undefined): OrgSecuritySettings {
  const plan = row?.plan ?? 'basic';
  return {
    organizationId,
    stepUpAt: row?.step_up_at ?? defaultRiskPolicy.stepUpAt,
    denyAt: row?.deny_at ?? defaultRiskPolicy.denyAt,
    plan,
    apiKeyRequestsPerMinute: row?.api_key_per_minute ?? planDefaults[plan].apiKeyPerMinute,
    planDefault: row?.api_key_per_minute == null,
    updatedAt: row?.updated_at.toISOString() ?? null,
  };
}

/**
 * Gathers what scoreRisk needs — the user's history, the place of the address, the failure
 * velocity — and maps the score to a decision with the strictest policy among the user's
 * organizations. Used for each log-in and, through `assess`, for sensitive requests.
 */
export class RiskService {
  private memberships: MembershipLookup = async () => [];
  private readonly profiles: LocalCache<string, RiskProfile>;
  private readonly velocities: LocalCache<string, Velocity>;
  private readonly unsubscribe: Array<() => void> = [];
  /** Where each address is and its network (the database is static while the process runs). */
  private readonly addresses = new Map<string, { place: Place | null; network: string }>();

  constructor(
    readonly repository: RiskRepository,
    private readonly abuse: AbuseService,
    private readonly geolocator: Geolocator,
    private readonly clock: Clock,
    private readonly options: RiskServiceOptions,
  ) {
    const now = cacheClock(clock);
    this.profiles = new LocalCache({ ttlMs: options.cacheTtlSeconds * 1000, maxEntries: 50_000, now });
    this.velocities = new LocalCache({ ttlMs: options.cacheTtlSeconds > 0 ? velocityRefreshMs : 0, staleWhileRefreshMs: velocityStaleMs, maxEntries: 50_000, now });
    this.unsubscribe.push(
      options.bus.subscribe('security.risk.changed', (change) => this.forget(change)),
      // A membership or a user's standing changed: their strictest policy may have changed too.
      options.bus.subscribe('identity.access.changed', (change) => {
        const users = [...(change.users ?? []), ...(change.memberships ?? []).map((membership) => membership.userId)];
        if (users.length > 0) this.forget({ users });
      }),
      options.bus.subscribe('platform.bus.resumed', () => {
        this.profiles.clear();
        this.settingsCache.clear();
      }),
    );
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }

  private forget(change: RiskProfileChange): void {
    if (change.users?.length) for (const userId of change.users) this.profiles.delete(userId);
    if (change.organizations?.length) {
      const organizations = new Set(change.organizations);
      this.profiles.deleteWhere((_userId, profile) => profile.organizationIds.some((id) => organizations.has(id)));
      for (const id of organizations) this.settingsCache.delete(id);
    }
  }

  /** Drops the profiles on this node, then on every other node. */
  private async changed(change: RiskProfileChange): Promise<void> {
    this.forget(change);
    try {
      await this.options.bus.publish('security.risk.changed', change);
    } catch (error) {
      this.options.logger.error({ err: error }, 'could not announce a risk-profile change; other nodes follow within AUTH_CACHE_TTL_SECONDS');
    }
  }

  /** A failure was just counted from this address: the next sensitive request re-reads its velocity. */
  failureRecorded(ip: string): void {
    this.velocities.delete(ip);
  }

  useMemberships(lookup: MembershipLookup): void {
    this.memberships = lookup;
  }

  /** The strictest thresholds of the user's organizations (defaults when none set one). */
  async policyFor(userId: string): Promise<RiskPolicy> {
    return (await this.strictestPolicy(userId)).policy;
  }

  private async strictestPolicy(userId: string): Promise<{ policy: RiskPolicy; organizationIds: string[] }> {
    const organizationIds = await this.memberships(userId);
    const rows = await this.repository.settingsOf(organizationIds);
    let policy = defaultRiskPolicy;
    for (const row of rows) {
      policy = { stepUpAt: Math.min(policy.stepUpAt, row.step_up_at), denyAt: Math.min(policy.denyAt, row.deny_at) };
    }
    return { policy, organizationIds };
  }

  /** A log-in reads the history and policy afresh (it is rare, and it is what changes them). */
  async assessLogIn(input: { userId: string; email: string; ip: string; deviceKnown: boolean; deviceSignalsChanged: boolean }): Promise<RiskAssessment> {
    const [velocity, profile] = await Promise.all([this.abuse.velocity(input.email, input.ip), this.loadProfile(input.userId)]);
    return this.score(profile, input.ip, { deviceKnown: input.deviceKnown, deviceSignalsChanged: input.deviceSignalsChanged }, velocity);
  }

  /** The user's profile from this node's cache (dropped on every change that affects it). */
  profile(userId: string): Promise<RiskProfile> {
    return this.profiles.get(userId, () => this.loadProfile(userId));
  }

  private async loadProfile(userId: string): Promise<RiskProfile> {
    const [history, { policy, organizationIds }] = await Promise.all([this.repository.history(userId), this.strictestPolicy(userId)]);
    const hourHistogram = new Array<number>(24).fill(0);
    const knownCountries = new Set<string>();
    const knownNetworks = new Set<string>();
    let previous: { at: Date; place: Place } | null = null;
    for (const event of history) {
      hourHistogram[event.occurred_at.getUTCHours()] = (hourHistogram[event.occurred_at.getUTCHours()] ?? 0) + 1;
      knownNetworks.add(event.network);
      if (event.country) knownCountries.add(event.country);
      if (!previous && event.country && event.latitude !== null && event.longitude !== null) {
        previous = { at: event.occurred_at, place: { country: event.country, city: event.city, latitude: event.latitude, longitude: event.longitude } };
      }
    }
    return { priorLogIns: history.length, knownCountries, knownNetworks, previous, hourHistogram, policy, organizationIds };
  }

  private score(
    profile: RiskProfile,
    ip: string,
    device: { deviceKnown: boolean; deviceSignalsChanged: boolean },
    velocity: { accountFailures: number; ipFailures: number; ipDistinctAccounts: number },
  ): RiskAssessment {
    const { place, network } = this.whereIs(ip);
    const result = scoreRisk({
      now: this.clock.now(),
      priorLogIns: profile.priorLogIns,
      ...device,
      place,
      network,
      knownCountries: profile.knownCountries,
      knownNetworks: profile.knownNetworks,
      previous: profile.previous,
      ...velocity,
      hourHistogram: profile.hourHistogram,
    });
    return { score: result.score, reasons: result.reasons, decision: decide(result.score, profile.policy), place, network };
  }

  private whereIs(ip: string): { place: Place | null; network: string } {
    let known = this.addresses.get(ip);
    if (!known) {
      known = { place: this.geolocator.locate(ip), network: networkOf(ip) };
      if (this.addresses.size >= 50_000) this.addresses.clear();
      this.addresses.set(ip, known);
    }
    return known;
  }

  /** Failures from an address (no account), re-read at most once a second per address. */
  private ipVelocity(ip: string): Promise<Velocity> {
    return this.velocities.get(ip, () => this.abuse.velocity(null, ip));
  }

  /** Keeps the attempt in the history (the engine's memory and the admins' view). */
  async record(event: {
    userId: string | null;
    account: string;
    outcome: LoginOutcome;
    ip: string;
    deviceId: string | null;
    assessment?: Pick<RiskAssessment, 'score' | 'reasons' | 'place'> & { network?: string };
  }): Promise<void> {
    const now = this.clock.now();
    const place = event.assessment ? event.assessment.place : this.geolocator.locate(event.ip);
    await this.repository.insertEvent({
      id: newId(now.getTime()),
      user_id: event.userId,
      account: event.account,
      occurred_at: now,
      outcome: event.outcome,
      score: event.assessment?.score ?? 0,
      reasons: event.assessment?.reasons ?? [],
      ip: event.ip,
      network: event.assessment?.network ?? networkOf(event.ip),
      country: place?.country ?? null,
      city: place?.city ?? null,
      latitude: place?.latitude ?? null,
      longitude: place?.longitude ?? null,
      device_id: event.deviceId,
    });
    // A success joins the history the user's profile is made of.
    if (event.userId && event.outcome === 'success') await this.changed({ users: [event.userId] });
  }

  /**
   * The user passed the second factor a `step_up` log-in asked for (within 15 minutes): that
   * log-in becomes a success, so its place, network and device count as known from now on.
   */
  async confirmStepUp(userId: string, deviceId: string | null): Promise<void> {
    await this.repository.promoteStepUp(userId, deviceId, new Date(this.clock.now().getTime() - 15 * 60_000));
    await this.changed({ users: [userId] });
  }

  /**
   * The RiskAssessor of the policy gateway: re-assesses a sensitive request of a signed-in user
   * against their log-in history (new country or network, impossible travel since the last
   * log-in, failures from this address, unusual hour). API keys are judged by their address only.
   */
  async assess(request: FastifyRequest, auth: AuthContext | null): Promise<{ score: number; reasons: string[]; decision: RiskDecision }> {
    if (!auth?.userId) {
      const velocity = await this.ipVelocity(request.ip);
      const score = Math.min(100, Math.max(0, velocity.ipFailures - 5) * 2 + (velocity.ipDistinctAccounts >= 5 ? 45 : 0));
      const reasons: RiskReason[] = [];
      if (velocity.ipFailures > 5) reasons.push('failed_attempts_ip');
      if (velocity.ipDistinctAccounts >= 5) reasons.push('credential_stuffing');
      return { score, reasons, decision: decide(score, defaultRiskPolicy) };
    }
    let velocity = this.velocities.peek(request.ip);
    let profile = this.profiles.peek(auth.userId);
    if (!velocity || !profile) [velocity, profile] = await Promise.all([velocity ?? this.ipVelocity(request.ip), profile ?? this.profile(auth.userId)]);
    // The gateway has already refused a session presented without its device's cookie.
    const result = this.score(profile, request.ip, { deviceKnown: true, deviceSignalsChanged: false }, velocity);
    return { score: result.score, reasons: result.reasons, decision: result.decision };
  }

  private readonly settingsCache = new Map<string, { settings: OrgSecuritySettings; until: number }>();

  /** Settings read at most every 30 s per organization (per-request rate limiting reads them). */
  async cachedSettings(organizationId: string): Promise<OrgSecuritySettings> {
    const now = this.clock.now().getTime();
    const cached = this.settingsCache.get(organizationId);
    if (cached && cached.until > now) return cached.settings;
    const settings = await this.settings(organizationId);
    if (this.settingsCache.size > 10_000) this.settingsCache.clear();
    this.settingsCache.set(organizationId, { settings, until: now + 30_000 });
    return settings;
  }

  async settings(organizationId: string): Promise<OrgSecuritySettings> {
    return toSettings(organizationId, await this.repository.findSettings(organizationId));
  }

  async updateSettings(organizationId: string, input: { stepUpAt?: number; denyAt?: number; plan?: Plan; apiKeyRequestsPerMinute?: number | null }): Promise<OrgSecuritySettings> {
    const current = await this.repository.findSettings(organizationId);
    const base = toSettings(organizationId, current);
    const row: OrgSettingsRow = {
      organization_id: organizationId,
      step_up_at: input.stepUpAt ?? base.stepUpAt,
      deny_at: input.denyAt ?? base.denyAt,
      plan: input.plan ?? base.plan,
      api_key_per_minute: input.apiKeyRequestsPerMinute === undefined ? current?.api_key_per_minute ?? null : input.apiKeyRequestsPerMinute,
      updated_at: this.clock.now(),
    };
    if (row.step_up_at > row.deny_at) {
      throw riskErrors.RISK_POLICY_INVALID(`stepUpAt (${row.step_up_at}) must not be above denyAt (${row.deny_at}).`, [{ path: 'stepUpAt', message: `must be at most denyAt (${row.deny_at})` }]);
    }
    const saved = await this.repository.upsertSettings(row);
    // Every member's strictest policy may have changed, on every node.
    await this.changed({ organizations: [organizationId] });
    return toSettings(organizationId, saved);
  }
}
