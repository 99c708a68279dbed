-- The outbox relay's lease (services/runtime/lease.py): which instance publishes this service's
-- outbox, until when, and the fencing token of its tenure. The token grows at every takeover; every
-- row the relay marks is marked only while the token is still the holder's, so an instance that
-- lost the lease (it was paused, its clock stalled) cannot mark or park anything when it wakes.
-- It replaces a session advisory lock, which a frozen holder kept for as long as its connection lived.

CREATE TABLE IF NOT EXISTS relay_lease (
    name        text PRIMARY KEY,
    holder      text,
    token       bigint NOT NULL DEFAULT 0,
    acquired_at timestamptz,
    expires_at  timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO relay_lease (name) VALUES ('outbox') ON CONFLICT DO NOTHING;

-- Which tenure published each row (the lease's token): who published what, after a takeover.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS published_by bigint;
