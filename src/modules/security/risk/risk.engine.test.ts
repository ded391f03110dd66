import { describe, expect, it } from 'vitest';
import { distanceKm, networkOf } from './geolocation';
import { decide, defaultRiskPolicy, scoreRisk, type RiskInput } from './risk.engine';

const amsterdam = { country: 'NL', city: 'Amsterdam', latitude: 52.37, longitude: 4.89 };
const london = { country: 'GB', city: 'London', latitude: 51.51, longitude: -0.09 };
const sydney = { country: 'AU', city: 'Sydney', latitude: -33.87, longitude: 151.21 };
const rotterdam = { country: 'NL', city: 'Rotterdam', latitude: 51.92, longitude: 4.48 };

const now = new Date('2026-03-01T09:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);

/** A returning user on their usual device, network and country, nothing failing. */
function usual(overrides: Partial<RiskInput> = {}): RiskInput {
  const hourHistogram = new Array<number>(24).fill(0);
  hourHistogram[9] = 12;
  return {
    now,
    priorLogIns: 12,
    deviceKnown: true,
    deviceSignalsChanged: false,
    place: amsterdam,
    network: '145.100.1.0/24',
    knownCountries: new Set(['NL']),
    knownNetworks: new Set(['145.100.1.0/24']),
    previous: { at: hoursAgo(24), place: amsterdam },
    accountFailures: 0,
    ipFailures: 0,
    ipDistinctAccounts: 0,
    hourHistogram,
    ...overrides,
  };
}

describe('risk engine', () => {
  it('scores a usual log-in 0 and allows it', () => {
    const result = scoreRisk(usual());
    expect(result).toMatchObject({ score: 0, reasons: [] });
    expect(decide(result.score, defaultRiskPolicy)).toBe('allow');
  });

  it('flags a new device only when the user has a history to compare with', () => {
    expect(scoreRisk(usual({ deviceKnown: false })).reasons).toEqual(['new_device']);
    expect(scoreRisk(usual({ deviceKnown: false, priorLogIns: 0, previous: null, hourHistogram: new Array(24).fill(0) })).reasons).toEqual([]);
  });

  it('flags a new country, or a new network inside a known country', () => {
    expect(scoreRisk(usual({ place: rotterdam, network: '81.2.69.0/24', previous: { at: hoursAgo(48), place: amsterdam } })).reasons).toEqual(['new_network']);
    const abroad = scoreRisk(usual({ place: london, network: '81.2.69.0/24', previous: { at: hoursAgo(48), place: amsterdam } }));
    expect(abroad.reasons).toEqual(['new_country']);
    expect(decide(abroad.score, defaultRiskPolicy)).toBe('allow');
    const abroadOnNewDevice = scoreRisk(usual({ deviceKnown: false, place: london, network: '81.2.69.0/24', previous: { at: hoursAgo(48), place: amsterdam } }));
    expect(abroadOnNewDevice.score).toBe(60);
    expect(decide(abroadOnNewDevice.score, defaultRiskPolicy)).toBe('step_up');
  });

  it('detects impossible travel from the speed between consecutive log-ins', () => {
    // Amsterdam → London is ~360 km: 15 minutes apart is ~1,440 km/h, 3 hours apart ~120 km/h.
    const quick = scoreRisk(usual({ place: london, network: '81.2.69.0/24', knownCountries: new Set(['NL', 'GB']), previous: { at: hoursAgo(0.25), place: amsterdam } }));
    expect(quick.speedKmh).toBeGreaterThan(1_300);
    expect(quick.reasons).toContain('impossible_travel');
    const slow = scoreRisk(usual({ place: london, network: '81.2.69.0/24', knownCountries: new Set(['NL', 'GB']), previous: { at: hoursAgo(3), place: amsterdam } }));
    expect(slow.reasons).not.toContain('impossible_travel');
    const farAndFast = scoreRisk(usual({ place: sydney, network: '1.1.1.0/24', previous: { at: hoursAgo(1), place: amsterdam } }));
    expect(farAndFast.reasons).toEqual(['new_country', 'impossible_travel']);
    expect(decide(farAndFast.score, defaultRiskPolicy)).toBe('deny');
    // Nearby places are within geolocation error, however short the interval.
    expect(scoreRisk(usual({ place: rotterdam, network: '145.100.1.0/24', previous: { at: hoursAgo(0.01), place: amsterdam } })).reasons).toEqual([]);
  });

  it('counts failed-attempt velocity per account and per address', () => {
    expect(scoreRisk(usual({ accountFailures: 2 })).reasons).toEqual([]);
    const typos = scoreRisk(usual({ accountFailures: 4 }));
    expect(typos).toMatchObject({ score: 16, reasons: ['failed_attempts_account'] });
    expect(scoreRisk(usual({ accountFailures: 50 })).score).toBe(40);
    expect(scoreRisk(usual({ ipFailures: 15 }))).toMatchObject({ score: 20, reasons: ['failed_attempts_ip'] });
  });

  it('recognises credential stuffing: one address, many accounts', () => {
    expect(scoreRisk(usual({ ipDistinctAccounts: 4 })).reasons).toEqual([]);
    const stuffing = scoreRisk(usual({ ipDistinctAccounts: 5, ipFailures: 5 }));
    expect(stuffing.reasons).toEqual(['credential_stuffing']);
    expect(stuffing.score).toBe(45);
  });

  it('flags an hour the user has never logged in near, once there is enough history', () => {
    const night = new Date('2026-03-01T03:00:00Z');
    expect(scoreRisk(usual({ now: night, previous: { at: new Date('2026-02-28T09:00:00Z'), place: amsterdam } })).reasons).toEqual(['unusual_hour']);
    const neighbouring = scoreRisk(usual({ now: new Date('2026-03-01T10:30:00Z') }));
    expect(neighbouring.reasons).toEqual([]);
    const thin = new Array<number>(24).fill(0);
    thin[9] = 3;
    expect(scoreRisk(usual({ now: night, hourHistogram: thin })).reasons).toEqual([]);
  });

  it('caps the score at 100 and maps it through the policy', () => {
    const everything = scoreRisk(usual({ deviceKnown: false, place: sydney, network: '1.1.1.0/24', previous: { at: hoursAgo(1), place: amsterdam }, accountFailures: 20, ipDistinctAccounts: 9 }));
    expect(everything.score).toBe(100);
    expect(decide(49, defaultRiskPolicy)).toBe('allow');
    expect(decide(50, defaultRiskPolicy)).toBe('step_up');
    expect(decide(90, defaultRiskPolicy)).toBe('deny');
    expect(decide(100, { stepUpAt: 101, denyAt: 101 })).toBe('allow');
  });
});

describe('geolocation helpers', () => {
  it('measures great-circle distances', () => {
    expect(distanceKm(amsterdam, london)).toBeGreaterThan(340);
    expect(distanceKm(amsterdam, london)).toBeLessThan(380);
    expect(distanceKm(amsterdam, sydney)).toBeGreaterThan(16_000);
  });

  it('groups addresses into networks', () => {
    expect(networkOf('145.100.1.77')).toBe('145.100.1.0/24');
    expect(networkOf('::ffff:145.100.1.77')).toBe('145.100.1.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
  });
});
