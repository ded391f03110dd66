-- Valuation: the model registry, the module's background jobs and stored valuations.
-- See docs/valuation.md. Plain PostgreSQL so that it runs identically on PGlite and PostgreSQL.

CREATE TABLE valuation_models (
  id             uuid PRIMARY KEY,
  -- 1, 2, 3...: the registry's version number, in order of creation.
  version        integer NOT NULL UNIQUE CHECK (version >= 1),
  status         text NOT NULL CHECK (status IN ('training', 'ready', 'failed')),
  active         boolean NOT NULL DEFAULT false,
  source         text NOT NULL CHECK (source IN ('csv', 'listings')),
  -- The CSV file name, or what was selected from the listings.
  source_detail  text NOT NULL,
  -- True when trained on generated demo data (labelled synthetic everywhere it is shown).
  synthetic      boolean NOT NULL DEFAULT false,
  currency       char(3) NOT NULL,
  -- SHA-256 over the training sales as read (columns, places, dates, prices), hex.
  fingerprint    text,
  rows           integer,
  metrics        jsonb,
  params         jsonb NOT NULL DEFAULT '{}',
  -- Where the serialised domus-avm JSON lives in the file store.
  file_key       text,
  error          text,
  created_by     uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL,
  trained_at     timestamptz,
  activated_at   timestamptz,
  CONSTRAINT valuation_models_active_is_ready CHECK (NOT active OR status = 'ready')
);
-- At most one active model: the atomic pointer every node follows.
CREATE UNIQUE INDEX valuation_models_one_active ON valuation_models ((true)) WHERE active;

CREATE TABLE valuation_jobs (
  id               uuid PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('train', 'batch')),
  status           text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  input            jsonb NOT NULL,
  result           jsonb,
  error            text,
  progress         real NOT NULL DEFAULT 0,
  organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,
  created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
  -- The node running it and when it last said so: a job of a node that died is queued again.
  locked_by        text,
  heartbeat_at     timestamptz,
  attempts         integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL,
  started_at       timestamptz,
  finished_at      timestamptz
);
CREATE INDEX valuation_jobs_queued_idx ON valuation_jobs (created_at) WHERE status = 'queued';

CREATE TABLE valuations (
  id               uuid PRIMARY KEY,
  property_id      uuid REFERENCES properties (id) ON DELETE CASCADE,
  organization_id  uuid REFERENCES organizations (id) ON DELETE CASCADE,
  model_id         uuid NOT NULL REFERENCES valuation_models (id),
  value_minor      bigint NOT NULL CHECK (value_minor > 0),
  lower_minor      bigint NOT NULL,
  upper_minor      bigint NOT NULL,
  currency         char(3) NOT NULL,
  grade            char(1) NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D')),
  -- The whole answer as returned: comparables, explanation, reasons.
  result           jsonb NOT NULL,
  created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL
);
CREATE INDEX valuations_property_idx ON valuations (property_id, created_at DESC, id DESC) WHERE property_id IS NOT NULL;
