import { distanceKm, type Place } from './geolocation';

/**
 * The risk score: a pure function of what the service gathered, so each rule is tested alone.
 * Weights add up and are capped at 100; each contributing rule names itself in `reasons`.
 * The weights and thresholds are documented in docs/security.md ("Risk engine").
 */
export type RiskReason =
  | 'new_device'
  | 'device_signals_changed'
  | 'new_country'
  | 'new_network'
  | 'impossible_travel'
  | 'failed_attempts_account'
  | 'failed_attempts_ip'
  | 'credential_stuffing'
  | 'unusual_hour'
  | 'unknown_location';

export interface RiskInput {
  now: Date;
  /** Successful log-ins this user had before (0 = first log-in ever: nothing to compare with). */
  priorLogIns: number;
  deviceKnown: boolean;
  /** The device cookie is this user's, but the browser's signals (user agent, platform) changed. */
  deviceSignalsChanged: boolean;
  place: Place | null;
  network: string;
  knownCountries: ReadonlySet<string>;
  knownNetworks: ReadonlySet<string>;
  /** The last successful log-in (or request) with a known place. */
  previous: { at: Date; place: Place } | null;
  accountFailures: number;
  ipFailures: number;
  /** Distinct accounts that failed from this IP in the stuffing window. */
  ipDistinctAccounts: number;
  /** The user's past successful log-ins per UTC hour (24 counts). */
  hourHistogram: readonly number[];
}

export interface RiskScore {
  score: number;
  reasons: RiskReason[];
  /** km/h between the previous place and this one, when both are known. */
  speedKmh: number | null;
}

export const riskWeights = {
  new_device: 25,
  device_signals_changed: 20,
  new_country: 35,
  new_network: 10,
  impossible_travel: 60,
  unusual_hour: 15,
  credential_stuffing: 45,
} as const;

/** Faster than an airliner (~900 km/h) between two log-ins is not one person travelling. */
export const impossibleSpeedKmh = 900;
/** Below this distance, geolocation error dominates (city databases are off by tens of km). */
export const travelNoiseKm = 300;
export const stuffingAccounts = 5;
const hourHistoryNeeded = 10;

export function scoreRisk(input: RiskInput): RiskScore {
  const reasons: RiskReason[] = [];
  let score = 0;
  const add = (reason: RiskReason, weight: number) => {
    if (weight <= 0) return;
    reasons.push(reason);
    score += weight;
  };
  const hasHistory = input.priorLogIns > 0;

  if (hasHistory && !input.deviceKnown) add('new_device', riskWeights.new_device);
  if (input.deviceKnown && input.deviceSignalsChanged) add('device_signals_changed', riskWeights.device_signals_changed);

  if (hasHistory && input.place && input.knownCountries.size > 0) {
    if (!input.knownCountries.has(input.place.country)) add('new_country', riskWeights.new_country);
    else if (!input.knownNetworks.has(input.network)) add('new_network', riskWeights.new_network);
  }

  let speedKmh: number | null = null;
  if (input.place && input.previous) {
    const km = distanceKm(input.previous.place, input.place);
    const hours = Math.max((input.now.getTime() - input.previous.at.getTime()) / 3_600_000, 1 / 60);
    speedKmh = km / hours;
    if (km > travelNoiseKm && speedKmh > impossibleSpeedKmh) add('impossible_travel', riskWeights.impossible_travel);
  }

  const velocity = velocityScore(input);
  for (const [index, reason] of velocity.reasons.entries()) add(reason, velocity.weights[index] ?? 0);

  const total = input.hourHistogram.reduce((sum, value) => sum + value, 0);
  if (total >= hourHistoryNeeded) {
    const hour = input.now.getUTCHours();
    const near = [-1, 0, 1].reduce((sum, offset) => sum + (input.hourHistogram[(hour + offset + 24) % 24] ?? 0), 0);
    if (near === 0) add('unusual_hour', riskWeights.unusual_hour);
  }

  return { score: Math.min(100, score), reasons, speedKmh };
}

/**
 * The failure-velocity part alone (also the score of a failed attempt): each failure past the
 * second on the account adds 8 (a typo or two is normal), up to 40; each failure from the address
 * past the fifth adds 2, up to 30; five or more distinct accounts failing from one address in the
 * hour is credential stuffing (45).
 */
export function velocityScore(input: { accountFailures: number; ipFailures: number; ipDistinctAccounts: number }): {
  score: number;
  reasons: RiskReason[];
  weights: number[];
} {
  const parts: Array<[RiskReason, number]> = [
    ['failed_attempts_account', Math.min(40, Math.max(0, input.accountFailures - 2) * 8)],
    ['failed_attempts_ip', Math.min(30, Math.max(0, input.ipFailures - 5) * 2)],
    ['credential_stuffing', input.ipDistinctAccounts >= stuffingAccounts ? riskWeights.credential_stuffing : 0],
  ];
  const kept = parts.filter(([, weight]) => weight > 0);
  return {
    score: Math.min(100, kept.reduce((sum, [, weight]) => sum + weight, 0)),
    reasons: kept.map(([reason]) => reason),
    weights: kept.map(([, weight]) => weight),
  };
}

export type RiskDecision = 'allow' | 'step_up' | 'deny';

export interface RiskPolicy {
  stepUpAt: number;
  denyAt: number;
}

/** Defaults: a new device alone (25) passes, a new device in a new country (60) asks for MFA. */
export const defaultRiskPolicy: RiskPolicy = { stepUpAt: 50, denyAt: 90 };

export function decide(score: number, policy: RiskPolicy): RiskDecision {
  if (score >= policy.denyAt) return 'deny';
  if (score >= policy.stepUpAt) return 'step_up';
  return 'allow';
}
