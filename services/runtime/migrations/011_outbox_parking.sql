-- Outbox rows the relay cannot publish are parked instead of blocking every row behind them
-- (services/runtime/parking.py). A row's counted failures, when it may be tried again, and, once
-- parked, when and why; parked rows are kept (never purged) until an operator re-queues them.

ALTER TABLE outbox ADD COLUMN IF NOT EXISTS attempts    integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS retry_at    timestamptz;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS last_error  text;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS parked_at   timestamptz;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS park_reason text;

-- What the relay reads: unpublished rows that are not parked, in id order.
DROP INDEX IF EXISTS outbox_unpublished_idx;
CREATE INDEX IF NOT EXISTS outbox_pending_idx ON outbox (id) WHERE published_at IS NULL AND parked_at IS NULL;
-- Which keys have a parked row (their later rows park behind it); few rows, a small index.
CREATE INDEX IF NOT EXISTS outbox_parked_idx ON outbox (topic, key, id) WHERE parked_at IS NOT NULL AND published_at IS NULL;
