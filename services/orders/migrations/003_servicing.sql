-- Order servicing (SRV-01..SRV-12): quote and return numbers, what the quote finder and the pending
-- orders grid need, edit locks, and returns as documents of their own.

CREATE SEQUENCE quote_number_seq START 500000;
CREATE SEQUENCE return_number_seq START 700000;

ALTER TABLE orders
    ADD COLUMN quote_number  text UNIQUE,
    ADD COLUMN expires_at    timestamptz,
    ADD COLUMN assigned_to   text;
CREATE INDEX orders_quotes_idx ON orders (updated_at DESC) WHERE quote_number IS NOT NULL;
CREATE INDEX orders_pending_idx ON orders (assigned_to, updated_at DESC) WHERE assigned_to IS NOT NULL;
CREATE INDEX orders_customer_submitted_idx ON orders (customer_id, submitted_at);

-- Who works an order now (SRV-06). A lock is working state, not order content: no version, and an
-- expired row is simply taken over by the next agent.
CREATE TABLE order_locks (
    order_id     uuid PRIMARY KEY,
    agent_id     text NOT NULL,
    role         text NOT NULL,
    acquired_at  timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

-- A return order (SRV-12): the document (ReturnOrderView) and what find needs.
CREATE TABLE returns (
    return_id      uuid PRIMARY KEY,
    return_number  text NOT NULL UNIQUE,
    order_id       uuid NOT NULL REFERENCES orders (order_id),
    order_number   text NOT NULL,
    customer_id    uuid NOT NULL,
    status         text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    doc            jsonb NOT NULL
);
CREATE INDEX returns_order_idx ON returns (order_id);
CREATE INDEX returns_customer_idx ON returns (customer_id, created_at DESC);
CREATE INDEX returns_created_idx ON returns (created_at DESC);
