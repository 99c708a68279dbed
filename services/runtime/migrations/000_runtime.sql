-- Tables every service has: the inbox (processed messages, which doubles as the audit of who did
-- what) and the outbox (messages waiting for the relay to publish them).

CREATE TABLE IF NOT EXISTS inbox (
    message_id     uuid PRIMARY KEY,
    message_type   text NOT NULL,
    kind           text NOT NULL,
    actor_id       text NOT NULL,
    actor_role     text NOT NULL,
    correlation_id uuid NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    outcome        text,          -- accepted | rejected | handled
    reply          jsonb          -- the reply envelope, re-sent if the command is delivered again
);
CREATE INDEX IF NOT EXISTS inbox_actor_idx ON inbox (actor_id, received_at);

CREATE TABLE IF NOT EXISTS outbox (
    id           bigserial PRIMARY KEY,
    topic        text NOT NULL,
    key          text,
    headers      jsonb NOT NULL,
    value        bytea NOT NULL,
    message_id   uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;
