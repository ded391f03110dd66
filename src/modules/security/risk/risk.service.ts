import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../../platform/clock';
import type { AuthContext } from '../../../platform/http';
import { newId } from '../../../platform/ids';
import type { AbuseService } from '../abuse/abuse.service';
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

  constructor(
    readonly repository: RiskRepository,
    private readonly abuse: AbuseService,
    private readonly geolocator: Geolocator,
    private readonly clock: Clock,
  ) {}

  useMemberships(lookup: MembershipLookup): void {
    this.memberships = lookup;
  }

  /** The strictest thresholds of the user's organizations (defaults when none set one). */
  async policyFor(userId: string): Promise<RiskPolicy> {
    const organizations = await this.memberships(userId);
    const rows = await this.repository.settingsOf(organizations);
    let policy = defaultRiskPolicy;
    for (const row of rows) {
      policy = { stepUpAt: Math.min(policy.stepUpAt, row.step_up_at), denyAt: Math.min(policy.denyAt, row.deny_at) };
    }
    return policy;
  }

  async assessLogIn(input: { userId: string; email: string; ip: string; deviceKnown: boolean; deviceSignalsChanged: boolean }): Promise<RiskAssessment> {
    const [velocity, policy] = await Promise.all([this.abuse.velocity(input.email, input.ip), this.policyFor(input.userId)]);
    return this.score(input.userId, input.ip, { deviceKnown: input.deviceKnown, deviceSignalsChanged: input.deviceSignalsChanged }, velocity, policy);
  }

  private async score(
    userId: string,
    ip: string,
    device: { deviceKnown: boolean; deviceSignalsChanged: boolean },
    velocity: { accountFailures: number; ipFailures: number; ipDistinctAccounts: number },
    policy: RiskPolicy,
  ): Promise<RiskAssessment> {
    const now = this.clock.now();
    const place = this.geolocator.locate(ip);
    const network = networkOf(ip);
    const history = await this.repository.history(userId);
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
    const result = scoreRisk({
      now,
      priorLogIns: history.length,
      ...device,
      place,
      network,
      knownCountries,
      knownNetworks,
      previous,
      ...velocity,
      hourHistogram,
    });
    return { score: result.score, reasons: result.reasons, decision: decide(result.score, policy), place, network };
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
  }

  /**
   * The user passed the second factor a `step_up` log-in asked for (within 15 minutes): that
   * log-in becomes a success, so its place, network and device count as known from now on.
   */
  async confirmStepUp(userId: string, deviceId: string | null): Promise<void> {
    await this.repository.promoteStepUp(userId, deviceId, new Date(this.clock.now().getTime() - 15 * 60_000));
  }

  /**
   * The RiskAssessor of the policy gateway: re-assesses a sensitive request of a signed-in user
   * against their log-in history (new country or network, impossible travel since the last
   * log-in, failures from this address, unusual hour). API keys are judged by their address only.
   */
  async assess(request: FastifyRequest, auth: AuthContext | null): Promise<{ score: number; reasons: string[]; decision: RiskDecision }> {
    if (!auth?.userId) {
      const velocity = await this.abuse.velocity(null, request.ip);
      const score = Math.min(100, Math.max(0, velocity.ipFailures - 5) * 2 + (velocity.ipDistinctAccounts >= 5 ? 45 : 0));
      const reasons: RiskReason[] = [];
      if (velocity.ipFailures > 5) reasons.push('failed_attempts_ip');
      if (velocity.ipDistinctAccounts >= 5) reasons.push('credential_stuffing');
      return { score, reasons, decision: decide(score, defaultRiskPolicy) };
    }
    const [velocity, policy] = await Promise.all([this.abuse.velocity(null, request.ip), this.policyFor(auth.userId)]);
    // The gateway has already refused a session presented without its device's cookie.
    const result = await this.score(auth.userId, request.ip, { deviceKnown: true, deviceSignalsChanged: false }, velocity, policy);
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
    this.settingsCache.delete(organizationId);
    return toSettings(organizationId, await this.repository.upsertSettings(row));
  }
}
