-- +goose Up
-- Slots of MaxConcurrentRequest shared by every replica: a request to an
-- integration holds one while it is in flight. Leases expire, so a replica
-- that dies gives its slots back.
CREATE TABLE request_slots (
    integration_id TEXT NOT NULL,
    slot           BIGINT NOT NULL,
    owner          TEXT NOT NULL,
    expires_at     BIGINT NOT NULL,
    PRIMARY KEY (integration_id, slot)
);

-- +goose Down
DROP TABLE request_slots;
