-- +goose Up
-- A template's revision, counted up by every replacement: a replica
-- checks it (one small read) before using the template it compiled,
-- instead of reading and hashing the whole XML for every call's work.
ALTER TABLE templates ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE templates DROP COLUMN revision;
