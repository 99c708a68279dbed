-- The payment ledger (MNY-04): every movement of money against an order's payment instructions,
-- as asked of its provider and as answered. The one truth about money after the sale: what was
-- authorized, captured, voided and refunded is summed from here (services/orders/domain/ledger.py).
-- ``idempotency_key`` is what the provider was asked with: unique, so no movement is kept twice.
CREATE TABLE payment_movements (
    movement_id      uuid PRIMARY KEY,
    order_id         uuid NOT NULL,
    payment_id       uuid NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('authorize', 'capture', 'void', 'refund')),
    amount           numeric(20, 4) NOT NULL CHECK (amount > 0),
    currency         text NOT NULL,
    reason           text NOT NULL,
    idempotency_key  text NOT NULL UNIQUE,
    provider         text NOT NULL,
    status           text NOT NULL CHECK (status IN ('succeeded', 'declined', 'pending')),
    authorization_ref text,
    reference        text,
    decline_reason   text,
    attempts         integer NOT NULL DEFAULT 1,
    message_id       uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL
);
CREATE INDEX payment_movements_order_idx ON payment_movements (order_id, created_at);
-- What the payment worker asks again: movements the provider could not be reached for.
CREATE INDEX payment_movements_pending_idx ON payment_movements (updated_at) WHERE status = 'pending';

-- How a card instruction was entered: typed by a CSR on the customer's behalf (a mail or telephone
-- order, ``moto``) or by the customer on a channel. Known when the card is added, needed at submit.
CREATE TABLE card_entries (
    payment_id  uuid PRIMARY KEY,
    moto        boolean NOT NULL,
    entered_at  timestamptz NOT NULL
);
