-- Append-only, hash-chained audit log (issue 3). Each entry carries the previous entry's hash;
-- `hash` is the SHA-256 of the entry's canonical serialisation including `prev_hash`
-- (src/platform/audit.ts). Appends lock the single chain-head row, so writers on any number of
-- processes extend one linear chain. The head also carries an HMAC (a key derived from the root
-- secret), so rewriting the whole tail and the head is detectable without that secret.
CREATE TABLE audit_log (
  seq             bigint      PRIMARY KEY CHECK (seq > 0),
  occurred_at     timestamptz NOT NULL,
  actor_type      text        NOT NULL CHECK (actor_type IN ('user', 'api_key', 'service', 'system', 'anonymous')),
  actor_id        text,
  action          text        NOT NULL,
  target_type     text,
  target_id       text,
  organization_id text,
  outcome         text        NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  ip              text,
  request_id      text,
  details         jsonb       NOT NULL DEFAULT '{}'::jsonb,
  prev_hash       text        NOT NULL,
  hash            text        NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_type, actor_id, seq);
CREATE INDEX audit_log_organization ON audit_log (organization_id, seq) WHERE organization_id IS NOT NULL;
CREATE INDEX audit_log_action ON audit_log (action, seq);

CREATE TABLE audit_chain_head (
  id         smallint    PRIMARY KEY CHECK (id = 1),
  seq        bigint      NOT NULL,
  hash       text        NOT NULL,
  mac        text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO audit_chain_head (id, seq, hash, mac) VALUES (1, 0, repeat('0', 64), NULL);

-- The log refuses edits and deletions at the database, whoever connects.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
-- The head row only moves forward.
CREATE FUNCTION audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.seq < OLD.seq THEN
    RAISE EXCEPTION 'audit_chain_head only moves forward' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE OR DELETE ON audit_chain_head FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward_only();
