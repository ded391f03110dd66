/** The tables of the devices, risk and abuse areas (migrations/20261129_0331_*.sql). */
export interface SecurityDevicesTable {
  id: string;
  user_id: string;
  label: string;
  user_agent: string | null;
  platform: string | null;
  screen: string | null;
  timezone: string | null;
  language: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
  last_ip: string | null;
  last_country: string | null;
  last_city: string | null;
  revoked_at: Date | null;
}

export type LoginOutcome = 'success' | 'step_up' | 'denied' | 'failed' | 'locked';

export interface SecurityLoginEventsTable {
  id: string;
  user_id: string | null;
  account: string;
  occurred_at: Date;
  outcome: LoginOutcome;
  score: number;
  reasons: string[];
  ip: string;
  network: string;
  country: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  device_id: string | null;
}

export type Plan = 'basic' | 'pro' | 'enterprise';

export interface SecurityOrgSettingsTable {
  organization_id: string;
  step_up_at: number;
  deny_at: number;
  plan: Plan;
  api_key_per_minute: number | null;
  updated_at: Date;
}

export interface SecurityAbuseMarksTable {
  key: string;
  member: string;
  at: Date;
}

export interface SecurityLockoutsTable {
  key: string;
  kind: 'account' | 'ip';
  user_id: string | null;
  subject: string;
  reason: string;
  failures: number;
  locked_at: Date;
  locked_until: Date;
}

export interface SecurityRequestCountersTable {
  key: string;
  window_start: Date;
  count: number;
}

export interface SecurityInstallationTable {
  singleton: boolean;
  id: string;
}

// A type alias (not an interface) so that it satisfies Kysely's index-signature constraint.
export type RiskTables = {
  security_devices: SecurityDevicesTable;
  security_login_events: SecurityLoginEventsTable;
  security_org_settings: SecurityOrgSettingsTable;
  security_abuse_marks: SecurityAbuseMarksTable;
  security_lockouts: SecurityLockoutsTable;
  security_request_counters: SecurityRequestCountersTable;
  security_installation: SecurityInstallationTable;
};
