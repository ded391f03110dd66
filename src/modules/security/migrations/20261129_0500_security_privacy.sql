-- Privacy (issue 3, GATE): the field-encryption key ring, encrypted personal data, erasures.
-- Key material is never stored: a key is derived from the root secret and its id (HKDF).
CREATE TABLE privacy_keys (
  id         text        PRIMARY KEY CHECK (id ~ '^k[1-9][0-9]{0,5}$'),
  created_at timestamptz NOT NULL,
  active     boolean     NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX privacy_keys_one_active ON privacy_keys (active) WHERE active;
INSERT INTO privacy_keys (id, created_at, active) VALUES ('k1', now(), true);

-- A person's identity document number and bank account, each AES-256-GCM encrypted
-- (enc:v1:<keyId>:<iv>:<ciphertext+tag>) with its table, column and user id as associated data.
CREATE TABLE personal_data (
  user_id           uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  identity_document text,
  iban              text,
  key_id            text        NOT NULL REFERENCES privacy_keys (id),
  updated_at        timestamptz NOT NULL
);
CREATE INDEX personal_data_key ON personal_data (key_id);

-- Who was erased and when (no personal data): audit entries and deals keep the user id as a pseudonym.
CREATE TABLE privacy_erasures (
  user_id   uuid        PRIMARY KEY,
  erased_at timestamptz NOT NULL
);
