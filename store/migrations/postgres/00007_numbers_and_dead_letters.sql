-- +goose Up
-- A number belongs to one channel: two channels answering the same number
-- would split its conversations.
CREATE UNIQUE INDEX channel_numbers_number ON channel_numbers (number);

-- Webhooks Switchboard acknowledged but could not deliver anywhere (a
-- message to a number no channel has), kept for an administrator to read.
CREATE TABLE dead_letters (
    id         TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    reason     TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX dead_letters_created ON dead_letters (created_at);

-- +goose Down
DROP TABLE dead_letters;
DROP INDEX channel_numbers_number;
