import { request } from '../../api/client';
import type { Page } from '../../api/types';

/** The devices, risk and abuse endpoints of the security module (docs/security.md). */
export interface DeviceSession {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  ip: string | null;
  current: boolean;
}

export interface Device {
  id: string;
  label: string;
  userAgent: string | null;
  platform: string | null;
  screen: string | null;
  timezone: string | null;
  language: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  lastPlace: { ip: string | null; country: string | null; city: string | null };
  current: boolean;
  sessions: DeviceSession[];
}

export interface RiskPolicy {
  organizationId: string;
  stepUpAt: number;
  denyAt: number;
  plan: 'basic' | 'pro' | 'enterprise';
  apiKeyRequestsPerMinute: number;
  planDefault: boolean;
  updatedAt: string | null;
}

export interface RiskyLogIn {
  id: string;
  userId: string | null;
  email: string | null;
  occurredAt: string;
  outcome: 'success' | 'step_up' | 'denied' | 'failed' | 'locked';
  score: number;
  reasons: string[];
  place: { ip: string | null; country: string | null; city: string | null };
  deviceId: string | null;
}

export interface Lockout {
  kind: 'account' | 'ip';
  userId: string | null;
  email: string | null;
  subject: string;
  reason: string;
  failures: number;
  lockedAt: string;
  lockedUntil: string;
}

const org = (id: string) => `/organizations/${encodeURIComponent(id)}/security`;

export const riskApi = {
  devices: (signal?: AbortSignal) => request<Page<Device>>('GET', '/me/devices', { signal }),
  revokeDevice: (id: string) => request<{ endedSessions: number }>('DELETE', `/me/devices/${encodeURIComponent(id)}`),
  endSession: (id: string) => request<void>('DELETE', `/me/sessions/${encodeURIComponent(id)}`),
  policy: (organizationId: string, signal?: AbortSignal) => request<RiskPolicy>('GET', `${org(organizationId)}/policy`, { signal }),
  updatePolicy: (organizationId: string, body: Partial<Pick<RiskPolicy, 'stepUpAt' | 'denyAt' | 'plan'>> & { apiKeyRequestsPerMinute?: number | null }) =>
    request<RiskPolicy>('PUT', `${org(organizationId)}/policy`, { json: body }),
  riskyLogIns: (organizationId: string, query: { minScore: number; cursor?: string | null }, signal?: AbortSignal) =>
    request<Page<RiskyLogIn>>('GET', `${org(organizationId)}/risky-logins`, { query: { minScore: query.minScore, cursor: query.cursor ?? undefined }, signal }),
  lockouts: (organizationId: string, signal?: AbortSignal) => request<Page<Lockout>>('GET', `${org(organizationId)}/lockouts`, { signal }),
  unlock: (organizationId: string, userId: string) => request<void>('DELETE', `${org(organizationId)}/lockouts/${encodeURIComponent(userId)}`),
};

/** Human words for the engine's reason codes. */
export const reasonLabels: Record<string, string> = {
  new_device: 'New device',
  device_signals_changed: 'Device looks different',
  new_country: 'New country',
  new_network: 'New network',
  impossible_travel: 'Impossible travel',
  failed_attempts_account: 'Failed attempts on the account',
  failed_attempts_ip: 'Failed attempts from the address',
  credential_stuffing: 'Credential stuffing',
  unusual_hour: 'Unusual hour',
};

export function placeLabel(place: { ip: string | null; country: string | null; city: string | null }): string {
  const where = [place.city, place.country].filter(Boolean).join(', ');
  return where ? `${where}${place.ip ? ` (${place.ip})` : ''}` : place.ip ?? 'Unknown place';
}
