-- +goose Up
-- When the integration last passed its connection check (0: never). Call
-- work is queued for integrations that were connected once, also while
-- calls fail on authentication, so that nothing is lost until the
-- credentials are fixed.
ALTER TABLE integrations ADD COLUMN connected_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE integrations DROP COLUMN connected_at;
