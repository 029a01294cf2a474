-- +goose Up
-- The deliveries of call events taken, by key (a hash of the event as the
-- PBX sent it): a repeated delivery is recognised and answered without
-- being applied again. Events are taken in groups, several per
-- transaction, straight into their calls and the work they make due.
CREATE TABLE call_deliveries (
    key         TEXT PRIMARY KEY,
    call_id     TEXT NOT NULL,
    received_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE call_deliveries;
