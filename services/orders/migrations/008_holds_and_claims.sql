-- Typed holds from rules (MNY-09): the block list a supervisor keeps (e-mail addresses, phone
-- numbers, card fingerprints, addresses; normalized by services/orders/domain/risk.py), and which
-- orders an entry holds, so that removing it releases exactly those.
CREATE TABLE order_block_list (
    entry_id  uuid PRIMARY KEY,
    kind      text NOT NULL CHECK (kind IN ('email', 'phone', 'card_fingerprint', 'address')),
    value     text NOT NULL,
    note      text NOT NULL,
    added_by  text NOT NULL,
    added_at  timestamptz NOT NULL,
    UNIQUE (kind, value)
);

CREATE TABLE order_block_list_holds (
    entry_id  uuid NOT NULL,
    order_id  uuid NOT NULL,
    PRIMARY KEY (entry_id, order_id)
);

-- Re-authorization before an authorization expires (MNY-02): the worker looks for succeeded
-- authorizations older than OMS_REAUTHORIZE_AFTER_S that still hold money.
CREATE INDEX payment_movements_authorized_idx ON payment_movements (updated_at)
    WHERE kind = 'authorize' AND status = 'succeeded';
