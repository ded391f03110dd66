-- Security / devices, risk and abuse protection (issue 3, RISK). See docs/security.md.

-- One row per browser or app a user has used: `id` is the browser's id from the signed device
-- cookie (one browser shared by two people is two rows), so a session binds to `id`.
CREATE TABLE security_devices (
  id            uuid NOT NULL,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  label         text NOT NULL,             -- "Firefox on Linux", derived from the user agent
  user_agent    text,
  platform      text,
  screen        text,
  timezone      text,
  language      text,
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  last_ip       text,
  last_country  text,
  last_city     text,
  revoked_at    timestamptz,
  PRIMARY KEY (user_id, id)
);

-- Every log-in attempt with its assessment: the risk engine's history (known countries,
-- networks, hours, the previous place) and the admins' view of risky log-ins.
CREATE TABLE security_login_events (
  id          uuid PRIMARY KEY,
  user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
  account     text NOT NULL,               -- sha256 of the lower-cased e-mail: unknown accounts too, never the address
  occurred_at timestamptz NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('success', 'step_up', 'denied', 'failed', 'locked')),
  score       smallint NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 100),
  reasons     text[] NOT NULL DEFAULT '{}',
  ip          text NOT NULL,
  network     text NOT NULL,               -- /24 (IPv4) or /48 (IPv6) prefix
  country     text,
  city        text,
  latitude    double precision,
  longitude   double precision,
  device_id   uuid
);
CREATE INDEX security_login_events_user_idx ON security_login_events (user_id, occurred_at DESC);
CREATE INDEX security_login_events_risky_idx ON security_login_events (occurred_at DESC) WHERE score >= 30 OR outcome <> 'success';

-- Per organization: the risk policy (score → allow / step-up / deny) and the plan that sets
-- API-key rate limits. Absent row = defaults (docs/security.md).
CREATE TABLE security_org_settings (
  organization_id       uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  step_up_at            smallint NOT NULL CHECK (step_up_at BETWEEN 1 AND 100),
  deny_at               smallint NOT NULL CHECK (deny_at BETWEEN 1 AND 101),
  plan                  text NOT NULL CHECK (plan IN ('basic', 'pro', 'enterprise')),
  api_key_per_minute    integer CHECK (api_key_per_minute BETWEEN 1 AND 1000000),
  updated_at            timestamptz NOT NULL,
  CHECK (step_up_at <= deny_at)
);

-- The database flavour of the abuse store (Redis holds the same when REDIS_URL is set): marks
-- in sliding windows (failed attempts, distinct accounts per IP), lock-outs, and fixed-window
-- request counters for API keys.
CREATE TABLE security_abuse_marks (
  key    text NOT NULL,
  member text NOT NULL,
  at     timestamptz NOT NULL,
  PRIMARY KEY (key, member)
);
CREATE INDEX security_abuse_marks_at_idx ON security_abuse_marks (key, at);

CREATE TABLE security_lockouts (
  key          text PRIMARY KEY,           -- 'account:<sha256>' or 'ip:<address>'
  kind         text NOT NULL CHECK (kind IN ('account', 'ip')),
  user_id      uuid,
  subject      text NOT NULL,              -- what an admin sees: the user id or the IP address
  reason       text NOT NULL,
  failures     integer NOT NULL,
  locked_at    timestamptz NOT NULL,
  locked_until timestamptz NOT NULL
);
CREATE INDEX security_lockouts_until_idx ON security_lockouts (locked_until);

CREATE TABLE security_request_counters (
  key          text NOT NULL,
  window_start timestamptz NOT NULL,
  count        integer NOT NULL,
  PRIMARY KEY (key, window_start)
);

-- This installation's id: the abuse store's Redis keys live under it, so two installations (or
-- two test databases) sharing one Redis never see each other's counters.
CREATE TABLE security_installation (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  id        uuid NOT NULL
);
INSERT INTO security_installation (id) VALUES (gen_random_uuid());
