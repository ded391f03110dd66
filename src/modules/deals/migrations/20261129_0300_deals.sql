-- Deals: a buyer's negotiation on one listing, its offers and an append-only event history.
-- See docs/deals.md. Plain PostgreSQL so that it runs identically on PGlite and PostgreSQL.

CREATE TABLE deals (
  id                   uuid PRIMARY KEY,
  listing_id           uuid NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
  -- The seller side: the listing's organization when the deal was opened.
  organization_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  buyer_user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  buyer_agent_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
  currency             char(3) NOT NULL,
  status               text NOT NULL CHECK (status IN ('open', 'accepted')),
  accepted_offer_id    uuid,
  -- Bumped by every participant's change; clients send it back as expectedVersion.
  version              integer NOT NULL CHECK (version >= 1),
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  CONSTRAINT deals_buyer_agent_not_buyer CHECK (buyer_agent_user_id IS NULL OR buyer_agent_user_id <> buyer_user_id),
  CONSTRAINT deals_accepted_has_offer CHECK ((status = 'accepted') = (accepted_offer_id IS NOT NULL))
);
-- One open negotiation per buyer and listing.
CREATE UNIQUE INDEX deals_listing_buyer_key ON deals (listing_id, buyer_user_id);
CREATE INDEX deals_buyer_idx ON deals (buyer_user_id, id);
CREATE INDEX deals_buyer_agent_idx ON deals (buyer_agent_user_id, id) WHERE buyer_agent_user_id IS NOT NULL;
CREATE INDEX deals_organization_idx ON deals (organization_id, id);

CREATE TABLE deal_offers (
  id                 uuid PRIMARY KEY,
  deal_id            uuid NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
  -- 1, 2, 3...: the offer's version within the deal; a counter is the next number.
  number             integer NOT NULL CHECK (number >= 1),
  side               text NOT NULL CHECK (side IN ('buyer', 'seller')),
  created_by         uuid NOT NULL REFERENCES users (id),
  responds_to        uuid REFERENCES deal_offers (id),
  amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
  currency           char(3) NOT NULL,
  financing          boolean NOT NULL,
  inspection         boolean NOT NULL,
  closing_date       date NOT NULL,
  notes              text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 2000),
  expires_at         timestamptz NOT NULL,
  status             text NOT NULL CHECK (status IN ('draft', 'submitted', 'countered', 'accepted', 'rejected', 'withdrawn', 'expired')),
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  CONSTRAINT deal_offers_number_key UNIQUE (deal_id, number)
);
-- The database itself guarantees that a deal has at most one accepted offer, and at most one
-- offer awaiting an answer.
CREATE UNIQUE INDEX deal_offers_one_accepted ON deal_offers (deal_id) WHERE status = 'accepted';
CREATE UNIQUE INDEX deal_offers_one_live ON deal_offers (deal_id) WHERE status = 'submitted';

CREATE TABLE deal_events (
  id             uuid PRIMARY KEY,
  deal_id        uuid NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
  sequence       integer NOT NULL CHECK (sequence >= 1),
  type           text NOT NULL,
  -- Null for transitions the clock made (offer.expired).
  actor_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
  offer_id       uuid REFERENCES deal_offers (id),
  amount_minor   bigint,
  currency       char(3),
  occurred_at    timestamptz NOT NULL,
  data           jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT deal_events_sequence_key UNIQUE (deal_id, sequence)
);

-- The history is immutable: updates are refused. Deletes happen only by cascade when the deal
-- (or a user, for actor_user_id) is erased.
CREATE FUNCTION deal_events_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'deal_events is append-only';
END;
$$;
CREATE TRIGGER deal_events_append_only BEFORE UPDATE ON deal_events
  FOR EACH ROW WHEN (OLD.actor_user_id IS NOT DISTINCT FROM NEW.actor_user_id OR NEW.actor_user_id IS NOT NULL)
  EXECUTE FUNCTION deal_events_refuse_update();
