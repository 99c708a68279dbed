-- Everything CUS-01..CUS-14 keeps beside the customer row: accounts, lock-out and password state,
-- extensible attributes, the profile change log, notes, ticklers, and the projections of the
-- orders and notifications services' events (order/quote/return history, assets, e-mails sent).

-- Trigram indexes make "contains, ignoring case" searches (ILIKE '%ann%') use an index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE accounts (
    account_id      uuid PRIMARY KEY,
    account_number  text NOT NULL,
    name            text NOT NULL,
    email           text,
    phone           text,
    attributes      jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL,
    created_by      text NOT NULL
);
CREATE UNIQUE INDEX accounts_number_uq ON accounts (lower(account_number));
CREATE INDEX accounts_name_trgm ON accounts USING gin (name gin_trgm_ops);
CREATE INDEX accounts_number_trgm ON accounts USING gin (account_number gin_trgm_ops);
CREATE SEQUENCE account_numbers START 100001;

ALTER TABLE customers
    ADD COLUMN mobile_phone          text,
    ADD COLUMN attributes            jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN account_id            uuid REFERENCES accounts (account_id),
    ADD COLUMN failed_logons         integer NOT NULL DEFAULT 0,
    ADD COLUMN locked_at             timestamptz,
    ADD COLUMN must_change_password  boolean NOT NULL DEFAULT false,
    ADD COLUMN password_expires_at   timestamptz,
    ADD COLUMN password_changed_at   timestamptz,
    -- Digits of every phone of the customer, so "555-0101" finds "+1 (555) 010-1...".
    ADD COLUMN phone_digits          text GENERATED ALWAYS AS (
        regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') || ' ' ||
        regexp_replace(coalesce(mobile_phone, ''), '[^0-9]', '', 'g')
    ) STORED;

CREATE INDEX customers_logon_trgm ON customers USING gin (logon_id gin_trgm_ops);
CREATE INDEX customers_first_name_trgm ON customers USING gin (first_name gin_trgm_ops);
CREATE INDEX customers_last_name_trgm ON customers USING gin (last_name gin_trgm_ops);
CREATE INDEX customers_email_trgm ON customers USING gin (email gin_trgm_ops);
CREATE INDEX customers_phone_trgm ON customers USING gin (phone_digits gin_trgm_ops);
CREATE INDEX customers_account_idx ON customers (account_id) WHERE account_id IS NOT NULL;
-- Deliberately no index on the sort order (last name, first name): with one, the planner walks it
-- to fill a page and filters row by row, reading most of the table for a name that sorts late.
-- Matching through the trigram indexes and sorting the matches is fast at every selectivity.

ALTER TABLE addresses
    ADD COLUMN created_by text NOT NULL DEFAULT 'unknown',
    ADD COLUMN updated_at timestamptz,
    ADD COLUMN updated_by text;
UPDATE addresses SET updated_at = created_at, updated_by = created_by;
ALTER TABLE addresses ALTER COLUMN updated_at SET NOT NULL, ALTER COLUMN updated_by SET NOT NULL;
CREATE INDEX addresses_postal_trgm ON addresses USING gin (postal_code gin_trgm_ops);
-- At most one default billing and one default shipping address per customer.
CREATE UNIQUE INDEX addresses_default_billing_uq ON addresses (customer_id) WHERE default_billing;
CREATE UNIQUE INDEX addresses_default_shipping_uq ON addresses (customer_id) WHERE default_shipping;

-- Who changed what, when (CUS-05). Secrets appear only as field names, never as values.
CREATE TABLE customer_changes (
    change_id       bigserial PRIMARY KEY,
    customer_id     uuid NOT NULL REFERENCES customers (customer_id) ON DELETE CASCADE,
    version         integer NOT NULL,
    changed_fields  text[] NOT NULL,
    before          jsonb NOT NULL,
    after           jsonb NOT NULL,
    reason          text,
    changed_by      text NOT NULL,
    changed_at      timestamptz NOT NULL
);
CREATE INDEX customer_changes_customer_idx ON customer_changes (customer_id, change_id DESC);

CREATE TABLE notes (
    note_id         uuid PRIMARY KEY,
    customer_id     uuid NOT NULL REFERENCES customers (customer_id) ON DELETE CASCADE,
    activity_code   text NOT NULL,
    result_code     text NOT NULL,
    subject         text NOT NULL,
    description     text NOT NULL,
    regarding       text,
    contact_at      timestamptz NOT NULL,
    recorded_by     text NOT NULL,
    recorded_at     timestamptz NOT NULL
);
CREATE INDEX notes_customer_idx ON notes (customer_id, contact_at);

-- E-mails the notifications service sent (from its EmailSentV1 events), for contact history.
CREATE TABLE emails_sent (
    email_id        uuid PRIMARY KEY,
    customer_id     uuid NOT NULL,
    order_id        uuid,
    template        text,
    subject         text NOT NULL,
    to_addr         text NOT NULL,
    sent_at         timestamptz NOT NULL
);
CREATE INDEX emails_sent_customer_idx ON emails_sent (customer_id, sent_at);

CREATE TABLE ticklers (
    tickler_id      uuid PRIMARY KEY,
    customer_id     uuid NOT NULL REFERENCES customers (customer_id) ON DELETE CASCADE,
    status          text NOT NULL DEFAULT 'open',
    due_at          timestamptz NOT NULL,
    assigned_to     text NOT NULL,
    reason          text NOT NULL,
    note            text NOT NULL,
    regarding       text,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL,
    closed_by       text,
    closed_at       timestamptz,
    resolution      text,
    version         integer NOT NULL DEFAULT 1
);
CREATE INDEX ticklers_agent_open_idx ON ticklers (assigned_to, due_at) WHERE status = 'open';
CREATE INDEX ticklers_open_due_idx ON ticklers (due_at) WHERE status = 'open';
CREATE INDEX ticklers_customer_idx ON ticklers (customer_id, created_at DESC);

CREATE TABLE tickler_actions (
    action_id       bigserial PRIMARY KEY,
    tickler_id      uuid NOT NULL REFERENCES ticklers (tickler_id) ON DELETE CASCADE,
    action          text NOT NULL,
    detail          jsonb NOT NULL DEFAULT '{}',
    actor           text NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX tickler_actions_tickler_idx ON tickler_actions (tickler_id, action_id);

-- Projections of the orders service's events (no calls into orders). No foreign key to
-- customers: an event may name a customer this service has not seen yet, and history is kept.
CREATE TABLE order_history (
    order_id        uuid PRIMARY KEY,
    customer_id     uuid NOT NULL,
    order_number    text NOT NULL,
    status          text NOT NULL,
    currency        text NOT NULL,
    total           numeric(18, 4) NOT NULL,
    lines           integer NOT NULL,
    version         integer NOT NULL,
    placed_at       timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX order_history_customer_idx ON order_history (customer_id, placed_at DESC);

CREATE TABLE quote_history (
    quote_id        uuid PRIMARY KEY,
    customer_id     uuid NOT NULL,
    quote_number    text NOT NULL,
    currency        text NOT NULL,
    total           numeric(18, 4) NOT NULL,
    lines           integer NOT NULL,
    saved_at        timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);
CREATE INDEX quote_history_customer_idx ON quote_history (customer_id, saved_at DESC);

CREATE TABLE return_history (
    return_id       uuid PRIMARY KEY,
    customer_id     uuid NOT NULL,
    return_number   text NOT NULL,
    order_id        uuid NOT NULL,
    order_number    text NOT NULL,
    currency        text NOT NULL,
    refund_amount   numeric(18, 4) NOT NULL,
    status          text NOT NULL,
    lines           integer NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX return_history_customer_idx ON return_history (customer_id, created_at DESC);

CREATE TABLE assets (
    asset_id        uuid PRIMARY KEY,
    customer_id     uuid NOT NULL,
    order_id        uuid NOT NULL,
    order_number    text NOT NULL,
    sku             text NOT NULL,
    name            text NOT NULL,
    quantity        integer NOT NULL,
    serial_number   text,
    status          text NOT NULL DEFAULT 'active',
    acquired_at     timestamptz NOT NULL
);
CREATE INDEX assets_customer_idx ON assets (customer_id, acquired_at DESC);
