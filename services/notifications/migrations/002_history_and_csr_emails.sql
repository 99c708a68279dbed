-- E-mail history (NTF-06), CSR e-mails (NTF-03) and per-customer formats (NTF-07).

-- Flags shown in the history: csr (written by a CSR), template_copy, resend, format_override,
-- redacted (the stored body has a secret replaced by a placeholder).
ALTER TABLE emails ADD COLUMN flags text[] NOT NULL DEFAULT '{}';
-- Secrets an e-mail carries (a temporary password), still sealed to the service's key: opened in
-- memory only to render the copy handed to the SMTP server; dropped once the e-mail is settled.
ALTER TABLE emails ADD COLUMN sealed jsonb;
-- Whether the language and format were asked for explicitly (kept when an e-mail waiting for the
-- customer's details is released) or are to be taken from the customer.
ALTER TABLE emails ADD COLUMN format_explicit boolean NOT NULL DEFAULT false;
ALTER TABLE emails ADD COLUMN language_explicit boolean NOT NULL DEFAULT false;
CREATE INDEX emails_retention_idx ON emails (created_at) WHERE body_deleted_at IS NULL;
CREATE INDEX emails_order_template_idx ON emails (order_id, template, created_at);

-- What this service knows about orders, from their events: links e-mails to orders by number.
CREATE TABLE known_orders (
    order_id      uuid PRIMARY KEY,
    order_number  text,
    customer_id   uuid NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX known_orders_number_idx ON known_orders (order_number);

-- A CSR's choice of format for one customer; wins over the customer's own preference.
CREATE TABLE format_overrides (
    customer_id  uuid PRIMARY KEY,
    format       text NOT NULL,
    set_by       text NOT NULL,
    set_at       timestamptz NOT NULL
);
