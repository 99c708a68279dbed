CREATE TABLE customers (
    customer_id           uuid PRIMARY KEY,
    logon_id              text,
    password_hash         text,
    challenge_question    text,
    challenge_answer_hash text,
    guest                 boolean NOT NULL DEFAULT false,
    first_name            text NOT NULL,
    last_name             text NOT NULL,
    email                 text,
    phone                 text,
    preferred_currency    text NOT NULL,
    preferred_language    text NOT NULL,
    email_format          text,
    demographics          jsonb NOT NULL DEFAULT '{}',
    status                text NOT NULL DEFAULT 'enabled',
    version               integer NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL,
    created_by            text NOT NULL,
    updated_at            timestamptz NOT NULL,
    updated_by            text NOT NULL
);
-- Logon ids are unique regardless of case: "JSmith" and "jsmith" are the same person.
CREATE UNIQUE INDEX customers_logon_id_uq ON customers (lower(logon_id)) WHERE logon_id IS NOT NULL;

CREATE TABLE addresses (
    address_id          uuid PRIMARY KEY,
    customer_id         uuid NOT NULL REFERENCES customers (customer_id) ON DELETE CASCADE,
    nickname            text,
    first_name          text,
    last_name           text,
    line1               text NOT NULL,
    line2               text,
    city                text NOT NULL,
    region              text,
    postal_code         text NOT NULL,
    country             text NOT NULL,
    phone               text,
    default_billing     boolean NOT NULL DEFAULT false,
    default_shipping    boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL
);
CREATE INDEX addresses_customer_idx ON addresses (customer_id);
