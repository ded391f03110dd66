-- Room messages are appended by ONE statement per batch (realtime.repository.ts appendBatch). As a
-- PL/pgSQL function its plan is prepared once per connection and reused: planning the statement
-- (a dozen CTEs) took about as long as running it for a small batch, and batches are small
-- whenever the load is (one message each at a few hundred messages a second). Same SQL, same
-- answers; see docs/realtime.md "Delivery".
--
-- `checked` looks each key up on its own (a scalar subquery per row: always the unique index,
-- whatever the table's statistics say). `fresh` is the batch minus the keys already stored; its
-- rows are numbered per room in batch order. The room -> last sequence lookup is one jsonb object,
-- not a join the planner would run as a nested loop on its 1-row estimates. Both data-modifying
-- CTEs run whether or not the final SELECT reads them.
CREATE FUNCTION realtime_append(batch jsonb)
RETURNS TABLE (source text, room text, dedupe_key text, earlier jsonb, last_sequence bigint, first_sequence bigint)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH input AS (
    SELECT * FROM jsonb_to_recordset(batch)
      AS t(i int, room text, kind text, sender_user_id uuid, dedupe_key text, body jsonb, created_at timestamptz)
  ),
  checked AS MATERIALIZED (
    SELECT n.*, CASE WHEN n.dedupe_key IS NULL THEN NULL ELSE (
      SELECT jsonb_build_object('sequence', m.sequence, 'kind', m.kind, 'sender_user_id', m.sender_user_id, 'body', m.body, 'created_at', m.created_at)
      FROM realtime_messages m WHERE m.room = n.room AND m.dedupe_key = n.dedupe_key) END AS earlier
    FROM input n
  ),
  fresh AS (SELECT * FROM checked c WHERE c.earlier IS NULL),
  allocated AS (
    -- Rooms in a fixed order, so two writers never wait on each other's row locks in a cycle.
    INSERT INTO realtime_rooms AS r (room, last_sequence)
    SELECT f.room, count(*) FROM fresh f GROUP BY f.room ORDER BY f.room
    ON CONFLICT ON CONSTRAINT realtime_rooms_pkey DO UPDATE SET last_sequence = r.last_sequence + EXCLUDED.last_sequence
    RETURNING r.room, r.last_sequence, r.first_sequence
  ),
  -- Both materialised: the object is built once, and the window's sort carries each row's last
  -- sequence, not the whole object.
  lasts AS MATERIALIZED (SELECT jsonb_object_agg(a.room, a.last_sequence) AS last FROM allocated a),
  located AS MATERIALIZED (SELECT f.*, (l.last ->> f.room)::bigint AS last_sequence FROM fresh f CROSS JOIN lasts l),
  stored AS (
    INSERT INTO realtime_messages (room, sequence, kind, sender_user_id, dedupe_key, body, created_at)
    SELECT x.room, x.last_sequence - count(*) OVER (PARTITION BY x.room) + row_number() OVER (PARTITION BY x.room ORDER BY x.i),
           x.kind, x.sender_user_id, x.dedupe_key, x.body, x.created_at
    FROM located x
    RETURNING 1
  )
  SELECT 'earlier'::text, c.room, c.dedupe_key, c.earlier, NULL::bigint, NULL::bigint
  FROM checked c WHERE c.earlier IS NOT NULL
  UNION ALL
  SELECT 'allocated'::text, a.room, NULL::text, NULL::jsonb, a.last_sequence, a.first_sequence FROM allocated a;
END
$fn$;
