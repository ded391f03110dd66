-- Idempotency of money actions that send chain transactions (docs/tokenization.md, "Retries").
-- platform/idempotency.ts runs its work inside a database transaction, which cannot hold chain
-- transactions; here the key is claimed first ('running'), the chain work runs, and the answer is
-- stored ('done'). A failed attempt deletes its claim, so the client may retry.
CREATE TABLE token_action_requests (
  scope         text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  state         text NOT NULL CHECK (state IN ('running', 'done')),
  response      jsonb,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
