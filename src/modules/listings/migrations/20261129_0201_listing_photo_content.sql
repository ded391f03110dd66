-- Identical uploads are stored once: a photo row records the SHA-256 of the uploaded bytes, and a
-- new upload with the same bytes reuses the renditions of an existing row instead of decoding and
-- re-encoding the image again (the demo generator reuses a bounded set of drawings; agents often
-- upload the same picture to several listings of one building). Rows written before this column
-- existed have NULL and are simply never reused.
ALTER TABLE listing_photos ADD COLUMN content_sha256 text CHECK (content_sha256 ~ '^[0-9a-f]{64}$');
CREATE INDEX listing_photos_content_idx ON listing_photos (content_sha256) WHERE content_sha256 IS NOT NULL;
CREATE INDEX listing_photos_original_key_idx ON listing_photos (original_key);
