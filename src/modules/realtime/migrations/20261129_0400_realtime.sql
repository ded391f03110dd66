-- Realtime rooms: per-room sequence numbers, bounded message history, and the Yjs update log of
-- each shared document. See docs/realtime.md. Plain PostgreSQL: identical on PGlite.

-- One row per room: the last sequence number handed out. Allocating a sequence is an upsert on
-- this row, so its row lock orders writers across every process: commit order = sequence order.
CREATE TABLE realtime_rooms (
  room           text PRIMARY KEY CHECK (char_length(room) <= 200),
  last_sequence  bigint NOT NULL CHECK (last_sequence >= 0),
  -- Messages with a lower sequence were trimmed; a client resuming from before it is told so.
  first_sequence bigint NOT NULL DEFAULT 1
);

CREATE TABLE realtime_messages (
  room             text NOT NULL,
  sequence         bigint NOT NULL,
  kind             text NOT NULL,
  sender_user_id   uuid,
  -- "<user id>:<client message id>" for client messages, "<source>:<id>" for server ones
  -- (deal events, alerts): a retry or a second node finds the first copy instead of a new one.
  dedupe_key       text,
  body             jsonb NOT NULL,
  created_at       timestamptz NOT NULL,
  PRIMARY KEY (room, sequence)
);
CREATE UNIQUE INDEX realtime_messages_dedupe_key ON realtime_messages (room, dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Yjs documents as an append-only log of updates; compaction replaces a prefix of the log by one
-- merged update in a single transaction.
CREATE TABLE realtime_document_updates (
  document    text NOT NULL CHECK (char_length(document) <= 200),
  id          bigint GENERATED ALWAYS AS IDENTITY,
  update      bytea NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (document, id)
);
