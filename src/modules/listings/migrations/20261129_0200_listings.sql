-- Listings: properties, listings (with denormalised search columns), price history, photos and
-- saved searches. Plain PostgreSQL (no extensions) so that it runs identically on PGlite and on
-- PostgreSQL 15+. See docs/listings.md for the reasons behind each index.

CREATE TABLE properties (
  id              uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  address         text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 300),
  city            text NOT NULL CHECK (char_length(city) BETWEEN 1 AND 120),
  country         char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  -- Upper case, single spaces: '1012 AB', 'SW1A 1AA', '98103-1234'.
  postal_code     text CHECK (postal_code ~ '^[A-Z0-9]([A-Z0-9 -]{0,10}[A-Z0-9])?$'),
  latitude        double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude       double precision CHECK (longitude BETWEEN -180 AND 180),
  property_type   text NOT NULL CHECK (property_type IN ('apartment', 'house', 'townhouse', 'villa', 'land', 'commercial')),
  living_area_m2  numeric(8, 2) CHECK (living_area_m2 > 0 AND living_area_m2 < 100000),
  plot_area_m2    numeric(12, 2) CHECK (plot_area_m2 > 0),
  rooms           smallint CHECK (rooms BETWEEN 0 AND 500),
  bedrooms        smallint CHECK (bedrooms BETWEEN 0 AND 200),
  bathrooms       numeric(3, 1) CHECK (bathrooms BETWEEN 0 AND 50),
  year_built      smallint CHECK (year_built BETWEEN 1000 AND 2100),
  year_renovated  smallint CHECK (year_renovated BETWEEN 1000 AND 2100),
  energy_label    text CHECK (energy_label IN ('A+++', 'A++', 'A+', 'A', 'B', 'C', 'D', 'E', 'F', 'G')),
  features        text[] NOT NULL DEFAULT '{}' CHECK (cardinality(features) <= 50 AND array_position(features, NULL) IS NULL),
  attributes      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT properties_location_pair CHECK ((latitude IS NULL) = (longitude IS NULL)),
  CONSTRAINT properties_renovated_after_built CHECK (year_renovated IS NULL OR year_built IS NULL OR year_renovated >= year_built),
  -- Lets listings reference (organization_id, id), so a listing can never point at another
  -- organization's property; also serves "the organization's properties, newest first".
  CONSTRAINT properties_organization_id_key UNIQUE (organization_id, id)
);

CREATE TABLE listings (
  id                  uuid PRIMARY KEY,
  organization_id     uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  property_id         uuid NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('sale', 'rent')),
  status              text NOT NULL CHECK (status IN ('draft', 'active', 'under_offer', 'sold', 'rented', 'withdrawn')),
  title               text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  description         text NOT NULL CHECK (char_length(description) <= 20000),
  asking_price_minor  bigint NOT NULL CHECK (asking_price_minor BETWEEN 0 AND 9007199254740991),
  currency            char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  published_at        timestamptz,
  closed_at           timestamptz,
  closing_price_minor bigint CHECK (closing_price_minor BETWEEN 0 AND 9007199254740991),
  version             integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  is_synthetic        boolean NOT NULL DEFAULT false,
  external_ref        text CHECK (char_length(external_ref) BETWEEN 1 AND 200),
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,

  -- Denormalised from the property by the listings_copy_property trigger (and kept in step by
  -- properties_propagate_to_listings), so that one table with its own indexes answers search.
  location            point,
  property_type       text NOT NULL,
  bedrooms            smallint,
  bathrooms           numeric(3, 1),
  rooms               smallint,
  living_area_m2      numeric(8, 2),
  energy_label        text,
  country             char(2) NOT NULL,
  postal_code         text,
  city                text NOT NULL,
  -- A quarter-degree grid cell (about 28 × 17 km in Europe): see listings_geo_cell.
  geo_cell            integer,
  search_vector       tsvector NOT NULL,

  CONSTRAINT listings_property_fkey FOREIGN KEY (organization_id, property_id)
    REFERENCES properties (organization_id, id) ON DELETE CASCADE,
  CONSTRAINT listings_external_ref_key UNIQUE (organization_id, external_ref),
  CONSTRAINT listings_sold_is_sale CHECK (status <> 'sold' OR kind = 'sale'),
  CONSTRAINT listings_rented_is_rent CHECK (status <> 'rented' OR kind = 'rent'),
  -- Drafts were never published; anything public was; a withdrawn listing may have been either.
  CONSTRAINT listings_published_at CHECK (
    CASE status WHEN 'draft' THEN published_at IS NULL WHEN 'withdrawn' THEN true ELSE published_at IS NOT NULL END),
  CONSTRAINT listings_closed_at CHECK ((status IN ('sold', 'rented', 'withdrawn')) = (closed_at IS NOT NULL)),
  CONSTRAINT listings_closed_after_published CHECK (closed_at IS NULL OR published_at IS NULL OR closed_at >= published_at),
  CONSTRAINT listings_closing_price CHECK (closing_price_minor IS NULL OR status IN ('sold', 'rented')),
  -- Keyset cursors carry published_at through JavaScript, which keeps milliseconds only.
  CONSTRAINT listings_published_at_milliseconds CHECK (published_at = date_trunc('milliseconds', published_at)),
  CONSTRAINT listings_updated_after_created CHECK (updated_at >= created_at)
);

CREATE TABLE listing_price_history (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  listing_id  uuid NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
  price_minor bigint NOT NULL CHECK (price_minor BETWEEN 0 AND 9007199254740991),
  currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  changed_at  timestamptz NOT NULL
);
CREATE INDEX listing_price_history_listing_idx ON listing_price_history (listing_id, changed_at, id);

CREATE TABLE listing_photos (
  id           uuid PRIMARY KEY,
  listing_id   uuid NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
  -- 0-based display order; at most 40 photos per listing (positions 0..39, unique).
  position     smallint NOT NULL CHECK (position BETWEEN 0 AND 39),
  original_key text NOT NULL,
  large_key    text NOT NULL,
  thumb_key    text NOT NULL,
  width        integer NOT NULL CHECK (width > 0),
  height       integer NOT NULL CHECK (height > 0),
  content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
  byte_size    integer NOT NULL CHECK (byte_size > 0),
  created_at   timestamptz NOT NULL,
  CONSTRAINT listing_photos_pixels CHECK (width::bigint * height <= 40000000),
  -- Deferred so that deleting a photo can close the gap by renumbering in one transaction.
  CONSTRAINT listing_photos_position_key UNIQUE (listing_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE saved_searches (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
  query      jsonb NOT NULL CHECK (jsonb_typeof(query) = 'object'),
  created_at timestamptz NOT NULL
);
CREATE INDEX saved_searches_user_idx ON saved_searches (user_id, id DESC);

-- ---- the search document and the copy of property facts onto listings ----------------------

CREATE FUNCTION listings_search_document(title text, description text, address text, city text, postal_code text, features text[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(city, '') || ' ' || coalesce(address, '') || ' ' || coalesce(postal_code, '')), 'B')
      || setweight(to_tsvector('english'::regconfig, coalesce(array_to_string(features, ' '), '')), 'C')
      || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'D')
$$;

-- Quarter-degree cells numbered row by row; listings.search.planner.ts computes the same number.
CREATE FUNCTION listings_geo_cell(latitude double precision, longitude double precision)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ((floor(latitude * 4) + 360) * 1500 + (floor(longitude * 4) + 720))::integer
$$;

-- A trigger rather than application code, so that no write path (HTTP, bulk import, a future
-- module) can forget the copy, and the copy is always in the writing transaction.
CREATE FUNCTION listings_copy_property() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  source properties%ROWTYPE;
BEGIN
  SELECT * INTO source FROM properties WHERE id = NEW.property_id AND organization_id = NEW.organization_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'property % does not exist in organization %', NEW.property_id, NEW.organization_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  NEW.location := CASE WHEN source.latitude IS NULL THEN NULL ELSE point(source.longitude, source.latitude) END;
  NEW.property_type := source.property_type;
  NEW.bedrooms := source.bedrooms;
  NEW.bathrooms := source.bathrooms;
  NEW.rooms := source.rooms;
  NEW.living_area_m2 := source.living_area_m2;
  NEW.energy_label := source.energy_label;
  NEW.country := source.country;
  NEW.postal_code := source.postal_code;
  NEW.city := source.city;
  NEW.geo_cell := listings_geo_cell(source.latitude, source.longitude);
  NEW.search_vector := listings_search_document(NEW.title, NEW.description, source.address, source.city, source.postal_code, source.features);
  RETURN NEW;
END
$$;

CREATE TRIGGER listings_copy_property
  BEFORE INSERT OR UPDATE OF property_id, organization_id, title, description ON listings
  FOR EACH ROW EXECUTE FUNCTION listings_copy_property();

CREATE FUNCTION properties_propagate_to_listings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE listings SET
    location = CASE WHEN NEW.latitude IS NULL THEN NULL ELSE point(NEW.longitude, NEW.latitude) END,
    property_type = NEW.property_type,
    bedrooms = NEW.bedrooms,
    bathrooms = NEW.bathrooms,
    rooms = NEW.rooms,
    living_area_m2 = NEW.living_area_m2,
    energy_label = NEW.energy_label,
    country = NEW.country,
    postal_code = NEW.postal_code,
    city = NEW.city,
    geo_cell = listings_geo_cell(NEW.latitude, NEW.longitude),
    search_vector = listings_search_document(title, description, NEW.address, NEW.city, NEW.postal_code, NEW.features)
  WHERE property_id = NEW.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER properties_propagate_to_listings
  AFTER UPDATE ON properties
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
  EXECUTE FUNCTION properties_propagate_to_listings();

-- ---- indexes ------------------------------------------------------------------------------

CREATE INDEX listings_property_idx ON listings (property_id);
-- Workspace: an organization's listings newest first. A status filter is applied while walking
-- it (even a rare status fills a page within a few hundred entries); one index less to keep up.
CREATE INDEX listings_workspace_idx ON listings (organization_id, id DESC);

-- Search (docs/listings.md explains each choice).
--
-- The public default (active + under_offer) gets partial btrees in each sort order: a btree on
-- (status, key) cannot return two statuses in key order on PostgreSQL 15, so without them
-- "newest first" would read and sort every public listing. They INCLUDE every column a search
-- filters on, so walking them in order and filtering is an index-only scan (no heap visits).
CREATE INDEX listings_public_newest_idx ON listings (published_at DESC, id DESC)
  INCLUDE (status, kind, property_type, asking_price_minor, bedrooms, bathrooms, rooms, living_area_m2, energy_label, country, postal_code, location)
  WHERE status IN ('active', 'under_offer');
-- Price walks are per kind (rents and sale prices differ a thousandfold, and "sale, cheapest
-- first" must not step over every rent first); without a kind filter the two walks are merged.
CREATE INDEX listings_public_price_idx ON listings (kind, asking_price_minor, id)
  INCLUDE (status, property_type, published_at, bedrooms, bathrooms, rooms, living_area_m2, energy_label, country, postal_code, location)
  WHERE status IN ('active', 'under_offer');
CREATE INDEX listings_public_area_idx ON listings ((coalesce(living_area_m2, 0)) DESC, id DESC)
  INCLUDE (status, kind, property_type, asking_price_minor, published_at, bedrooms, bathrooms, rooms, living_area_m2, energy_label, country, postal_code, location)
  WHERE status IN ('active', 'under_offer');
-- City-sized map boxes: one ordered walk per grid cell the box touches, merged (MergeAppend).
CREATE INDEX listings_public_cell_newest_idx ON listings (geo_cell, published_at DESC, id DESC)
  INCLUDE (status, kind, property_type, asking_price_minor, bedrooms, bathrooms, rooms, living_area_m2, energy_label, country, postal_code, location)
  WHERE status IN ('active', 'under_offer');
CREATE INDEX listings_public_cell_price_idx ON listings (geo_cell, kind, asking_price_minor, id)
  INCLUDE (status, property_type, published_at, bedrooms, bathrooms, rooms, living_area_m2, energy_label, country, postal_code, location)
  WHERE status IN ('active', 'under_offer');
-- Closed listings (sold/rented searches, market statistics) in date and price order.
CREATE INDEX listings_closed_newest_idx ON listings (status, published_at DESC, id DESC) WHERE status IN ('sold', 'rented');
CREATE INDEX listings_closed_price_idx ON listings (status, asking_price_minor, id) WHERE status IN ('sold', 'rented');
-- Where: map boxes and radius searches. Covering too, so that a box's candidates are filtered
-- and sorted from the index alone; the page's 20 rows are then fetched by primary key.
CREATE INDEX listings_location_idx ON listings USING gist (location)
  INCLUDE (id, status, kind, property_type, asking_price_minor, published_at, bedrooms, bathrooms, rooms, living_area_m2, energy_label, country, postal_code);
-- What: full text.
CREATE INDEX listings_search_vector_idx ON listings USING gin (search_vector);
