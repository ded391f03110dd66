-- Tokenization (docs/tokenization.md): contracts Domus deployed, tokenized properties and their
-- offerings, investor wallets and KYC, the KYC mirror queue, and the indexer's tables.
-- Addresses are EIP-55 checksummed text; token amounts are numeric(78,0) (uint256) in base units.

CREATE TABLE token_platform_contracts (
  chain_id            integer PRIMARY KEY,
  registry_address    text NOT NULL,
  deed_address        text NOT NULL,
  stablecoin_address  text NOT NULL,
  stablecoin_symbol   text NOT NULL,
  stablecoin_decimals integer NOT NULL CHECK (stablecoin_decimals BETWEEN 0 AND 36),
  -- True when Domus deployed a MockStablecoin ("sandbox dollars") itself.
  stablecoin_sandbox  boolean NOT NULL,
  deployed_block      bigint NOT NULL,
  created_at          timestamptz NOT NULL
);

-- Every contract the indexer follows.
CREATE TABLE token_contracts (
  chain_id        integer NOT NULL,
  address         text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('registry', 'deed', 'shares', 'distributor', 'offering', 'market')),
  deployed_block  bigint NOT NULL,
  PRIMARY KEY (chain_id, address)
);

CREATE SEQUENCE token_deed_numbers START 1001;

CREATE TABLE token_properties (
  id                     uuid PRIMARY KEY,
  chain_id               integer NOT NULL,
  listing_id             uuid NOT NULL REFERENCES listings (id) ON DELETE RESTRICT,
  property_id            uuid NOT NULL,
  organization_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
  deed_id                bigint NOT NULL,
  name                   text NOT NULL,
  symbol                 text NOT NULL,
  title_hash             text NOT NULL,
  record_period_seconds  integer NOT NULL,
  -- 'deploying' until every contract exists and is wired; a failed step leaves the addresses
  -- deployed so far, and tokenizing again resumes from there.
  status                 text NOT NULL CHECK (status IN ('deploying', 'active')),
  shares_address         text,
  distributor_address    text,
  market_address         text,
  deed_issued            boolean NOT NULL DEFAULT false,
  last_error             text,
  created_by             uuid NOT NULL REFERENCES users (id),
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL
);
CREATE UNIQUE INDEX token_properties_property_key ON token_properties (chain_id, property_id);
CREATE INDEX token_properties_organization_idx ON token_properties (organization_id);

CREATE TABLE token_offerings (
  id                  uuid PRIMARY KEY,
  token_property_id   uuid NOT NULL REFERENCES token_properties (id) ON DELETE CASCADE,
  address             text,
  price_minor         bigint NOT NULL CHECK (price_minor > 0),
  soft_cap_shares     bigint NOT NULL CHECK (soft_cap_shares >= 0),
  hard_cap_shares     bigint NOT NULL CHECK (hard_cap_shares > 0),
  opens_at            timestamptz NOT NULL,
  closes_at           timestamptz NOT NULL,
  -- deploying → open (contract deployed, flagged, inventory minted) → finalized (state read from chain)
  status              text NOT NULL CHECK (status IN ('deploying', 'open', 'succeeded', 'failed')),
  deploy_step         text NOT NULL DEFAULT 'none',
  created_by          uuid NOT NULL REFERENCES users (id),
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  CONSTRAINT token_offerings_caps CHECK (soft_cap_shares <= hard_cap_shares),
  CONSTRAINT token_offerings_window CHECK (opens_at < closes_at)
);
CREATE INDEX token_offerings_property_idx ON token_offerings (token_property_id);

CREATE TABLE token_wallets (
  id             uuid PRIMARY KEY,
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  address        text NOT NULL UNIQUE,
  custodial      boolean NOT NULL,
  -- AES-256-GCM: iv (12 bytes) || tag (16 bytes) || ciphertext, base64; custodial wallets only.
  encrypted_key  text,
  created_at     timestamptz NOT NULL,
  CONSTRAINT token_wallets_key_iff_custodial CHECK (custodial = (encrypted_key IS NOT NULL))
);
CREATE UNIQUE INDEX token_wallets_one_custodial ON token_wallets (user_id) WHERE custodial;
CREATE INDEX token_wallets_user_idx ON token_wallets (user_id);

-- An investor's identity verification. Provider 'sandbox-kyc' is the local sandbox.
CREATE TABLE token_kyc (
  user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  provider     text NOT NULL,
  reference    text NOT NULL,
  status       text NOT NULL CHECK (status IN ('approved', 'rejected', 'revoked')),
  country      integer NOT NULL CHECK (country BETWEEN 1 AND 999),
  expires_at   timestamptz NOT NULL,
  reason       text,
  decided_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);

-- What the identity registry should say about each wallet, and whether it does yet.
CREATE TABLE token_identity_mirror (
  chain_id         integer NOT NULL,
  address          text NOT NULL,
  -- 0 with expires_at 0 means "remove the identity".
  country          integer NOT NULL,
  expires_at       bigint NOT NULL,
  state            text NOT NULL CHECK (state IN ('pending', 'synced')),
  attempts         integer NOT NULL DEFAULT 0,
  last_error       text,
  next_attempt_at  timestamptz NOT NULL,
  transaction_hash text,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (chain_id, address)
);
CREATE INDEX token_identity_mirror_pending_idx ON token_identity_mirror (next_attempt_at) WHERE state = 'pending';

-- ---- indexer ----------------------------------------------------------------------------------

CREATE TABLE chain_cursors (
  chain_id      integer PRIMARY KEY,
  block_number  bigint NOT NULL,
  block_hash    text NOT NULL,
  updated_at    timestamptz NOT NULL
);

-- Hashes of recently indexed blocks, to find the fork point of a re-organisation.
CREATE TABLE chain_blocks (
  chain_id      integer NOT NULL,
  number        bigint NOT NULL,
  hash          text NOT NULL,
  parent_hash   text NOT NULL,
  timestamp     timestamptz NOT NULL,
  PRIMARY KEY (chain_id, number)
);

CREATE TABLE token_events (
  chain_id      integer NOT NULL,
  block_number  bigint NOT NULL,
  log_index     integer NOT NULL,
  block_hash    text NOT NULL,
  tx_hash       text NOT NULL,
  contract      text NOT NULL,
  kind          text NOT NULL,
  event         text NOT NULL,
  args          jsonb NOT NULL,
  block_time    timestamptz NOT NULL,
  PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX token_events_contract_idx ON token_events (chain_id, contract, block_number);

CREATE TABLE token_transfers (
  chain_id      integer NOT NULL,
  block_number  bigint NOT NULL,
  log_index     integer NOT NULL,
  tx_hash       text NOT NULL,
  token         text NOT NULL,
  from_address  text NOT NULL,
  to_address    text NOT NULL,
  amount        numeric(78, 0) NOT NULL,
  block_time    timestamptz NOT NULL,
  PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX token_transfers_from_idx ON token_transfers (chain_id, from_address);
CREATE INDEX token_transfers_to_idx ON token_transfers (chain_id, to_address);

CREATE TABLE token_holdings (
  chain_id  integer NOT NULL,
  token     text NOT NULL,
  holder    text NOT NULL,
  balance   numeric(78, 0) NOT NULL,
  PRIMARY KEY (chain_id, token, holder)
);
CREATE INDEX token_holdings_holder_idx ON token_holdings (chain_id, holder);

CREATE TABLE rent_deposits (
  chain_id         integer NOT NULL,
  block_number     bigint NOT NULL,
  log_index        integer NOT NULL,
  tx_hash          text NOT NULL,
  distributor      text NOT NULL,
  depositor        text NOT NULL,
  amount           numeric(78, 0) NOT NULL,
  eligible_supply  numeric(78, 0) NOT NULL,
  block_time       timestamptz NOT NULL,
  PRIMARY KEY (chain_id, block_number, log_index)
);

CREATE TABLE rent_claims (
  chain_id      integer NOT NULL,
  block_number  bigint NOT NULL,
  log_index     integer NOT NULL,
  tx_hash       text NOT NULL,
  distributor   text NOT NULL,
  holder        text NOT NULL,
  recipient     text NOT NULL,
  amount        numeric(78, 0) NOT NULL,
  block_time    timestamptz NOT NULL,
  PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX rent_claims_holder_idx ON rent_claims (chain_id, holder);

CREATE TABLE offering_purchases (
  chain_id      integer NOT NULL,
  block_number  bigint NOT NULL,
  log_index     integer NOT NULL,
  tx_hash       text NOT NULL,
  offering      text NOT NULL,
  investor      text NOT NULL,
  shares        numeric(78, 0) NOT NULL,
  cost          numeric(78, 0) NOT NULL,
  block_time    timestamptz NOT NULL,
  PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX offering_purchases_offering_idx ON offering_purchases (chain_id, offering);

CREATE TABLE market_orders (
  chain_id      integer NOT NULL,
  market        text NOT NULL,
  order_id      bigint NOT NULL,
  maker         text NOT NULL,
  sell          boolean NOT NULL,
  amount        numeric(78, 0) NOT NULL,
  remaining     numeric(78, 0) NOT NULL,
  price         numeric(78, 0) NOT NULL,
  status        text NOT NULL CHECK (status IN ('open', 'filled', 'cancelled')),
  placed_block  bigint NOT NULL,
  tx_hash       text NOT NULL,
  PRIMARY KEY (chain_id, market, order_id)
);

CREATE TABLE market_fills (
  chain_id      integer NOT NULL,
  block_number  bigint NOT NULL,
  log_index     integer NOT NULL,
  tx_hash       text NOT NULL,
  market        text NOT NULL,
  order_id      bigint NOT NULL,
  seller        text NOT NULL,
  buyer         text NOT NULL,
  amount        numeric(78, 0) NOT NULL,
  payment       numeric(78, 0) NOT NULL,
  block_time    timestamptz NOT NULL,
  PRIMARY KEY (chain_id, block_number, log_index)
);
