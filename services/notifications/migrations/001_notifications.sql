-- What this service knows about customers, copied from their events: it never calls another service.
CREATE TABLE recipients (
    customer_id   uuid PRIMARY KEY,
    email         text,
    first_name    text NOT NULL,
    last_name     text NOT NULL,
    language      text NOT NULL,
    email_format  text,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE emails (
    email_id         uuid PRIMARY KEY,
    dedupe_key       text NOT NULL UNIQUE,   -- one source message, one e-mail
    customer_id      uuid,
    order_id         uuid,
    regarding        text,
    template         text,
    language         text NOT NULL,
    format           text NOT NULL,          -- text | html
    to_addr          text,
    subject          text NOT NULL,
    body_text        text,
    body_html        text,
    context          jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL,          -- waiting_for_recipient | pending | sending | sent | failed | uncertain
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    message_id       text NOT NULL,          -- the Message-ID header
    created_at       timestamptz NOT NULL,
    created_by       text NOT NULL,
    sent_at          timestamptz,
    body_deleted_at  timestamptz,
    claimed_by       text,                   -- the instance sending it (to recover after a crash)
    correlation_id   uuid                    -- of the message that asked for it, for tracing
);
CREATE INDEX emails_due_idx ON emails (next_attempt_at) WHERE status = 'pending';
CREATE INDEX emails_customer_idx ON emails (customer_id, created_at);
CREATE INDEX emails_order_idx ON emails (order_id, created_at);
CREATE INDEX emails_waiting_idx ON emails (customer_id) WHERE status = 'waiting_for_recipient';
