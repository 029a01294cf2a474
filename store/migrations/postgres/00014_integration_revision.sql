-- +goose Up
-- An integration's revision, counted up by every change of its row: with
-- its template's revision, a replica checks it (one small read) before
-- using the connection it built, instead of reading the integration,
-- opening its secrets and comparing everything for every call's work.
ALTER TABLE integrations ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE integrations DROP COLUMN revision;
