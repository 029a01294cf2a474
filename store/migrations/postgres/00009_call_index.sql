-- +goose Up
-- What the calls list filters and sorts on, copied from the call's JSON
-- by UpdateCall: the extension, the external number (as the PBX gave it
-- and as digits) and the state.
ALTER TABLE calls ADD COLUMN extension TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN number TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN number_key TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN state TEXT NOT NULL DEFAULT '';
UPDATE calls SET
    extension = COALESCE(data::jsonb ->> 'extension', ''),
    number = COALESCE(data::jsonb -> 'external' ->> 'number', ''),
    state = COALESCE(data::jsonb ->> 'state', '')
WHERE data LIKE '{%';
UPDATE calls SET number_key = regexp_replace(number, '[^0-9]', '', 'g');
CREATE INDEX calls_created ON calls (created_at);
CREATE INDEX calls_extension ON calls (extension, created_at);

-- +goose Down
DROP INDEX calls_extension;
DROP INDEX calls_created;
ALTER TABLE calls DROP COLUMN state;
ALTER TABLE calls DROP COLUMN number_key;
ALTER TABLE calls DROP COLUMN number;
ALTER TABLE calls DROP COLUMN extension;
