-- Issue 3 (RISK): each session is bound to the device (browser or app) it was opened on. The
-- security module owns the device records; identity keeps only the id, so no foreign key.
ALTER TABLE sessions ADD COLUMN device_id uuid;
CREATE INDEX sessions_device_idx ON sessions (device_id) WHERE device_id IS NOT NULL;
