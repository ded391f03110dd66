-- Market intelligence: computed price indices per area and frequency (docs/market.md).
-- A cache: every row can be recomputed from the listings; `fingerprint` is the listings' sale
-- fingerprint (count and latest update) the row was computed from, so a stale row is detected on
-- read on every node without coordination.

CREATE TABLE market_index_cache (
  area_level   text NOT NULL CHECK (area_level IN ('all', 'city', 'postal')),
  area         text NOT NULL CHECK (char_length(area) BETWEEN 1 AND 120),
  frequency    text NOT NULL CHECK (frequency IN ('month', 'quarter', 'year')),
  fingerprint  text NOT NULL,
  computed_at  timestamptz NOT NULL,
  -- The AreaIndex as JSON, or {"insufficient": "<reason>"} when the area had too little data.
  payload      jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  PRIMARY KEY (area_level, area, frequency)
);
