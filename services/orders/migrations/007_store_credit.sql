-- Store credit and appeasements (MNY-07, MNY-08).
--
-- A customer's store credit is the sum of her movements here (issued and given back add, redeemed
-- takes), never a balance kept and overwritten: every change of it can be explained, and two at
-- once cannot lose one (the movements of one customer are serialized with a transaction-scoped
-- advisory lock, services/orders/adapters/store_credit_store.py).
CREATE TABLE store_credit_movements (
    movement_id   uuid PRIMARY KEY,
    customer_id   uuid NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('issued', 'redeemed', 'given_back')),
    amount        numeric(20, 4) NOT NULL CHECK (amount > 0),
    currency      text NOT NULL,
    source        text NOT NULL CHECK (source IN ('appeasement', 'supervisor', 'order')),
    reason        text NOT NULL,
    order_id      uuid,
    order_number  text,
    by_agent      text NOT NULL,
    at            timestamptz NOT NULL,
    seq           bigserial NOT NULL
);
CREATE INDEX store_credit_movements_customer_idx ON store_credit_movements (customer_id, currency, seq);

-- Goodwill granted on an order, with who granted it (the verified actor) and in which role.
CREATE TABLE appeasements (
    appeasement_id uuid PRIMARY KEY,
    order_id       uuid NOT NULL,
    customer_id    uuid NOT NULL,
    amount         numeric(20, 4) NOT NULL CHECK (amount > 0),
    currency       text NOT NULL,
    reason         text NOT NULL,
    note           text,
    payout         text NOT NULL CHECK (payout IN ('card', 'store_credit')),
    granted_by     text NOT NULL,
    granted_role   text NOT NULL,
    granted_at     timestamptz NOT NULL
);
CREATE INDEX appeasements_order_idx ON appeasements (order_id, granted_at);
