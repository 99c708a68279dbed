-- Why each movement of the payment ledger moved (contracts/orders/causes.py), kept next to it: the
-- payment worker answers a pending movement later, and its PaymentMovementV1 must say the cause the
-- use case that asked for it gave. ``reason`` stays words for people; nothing decides on it.
ALTER TABLE payment_movements ADD COLUMN cause text;

-- Movements recorded before the column: named from the reason the orders service wrote then (the
-- only time the wording is read). A resubmit's authorization was worded like a submit's.
UPDATE payment_movements SET cause = CASE
    WHEN reason LIKE 'order % submitted' THEN 'submit'
    WHEN reason LIKE 'shipment %' THEN 'shipment'
    WHEN reason LIKE 'changed: %' THEN 'change'
    WHEN reason LIKE 'cancelled: %' OR reason = 'authorized after the order was cancelled' THEN 'cancel'
    WHEN reason LIKE 'return % received' THEN 'return'
    WHEN reason LIKE 'exchange: %' THEN 'exchange'
    WHEN reason LIKE 'claim %' THEN 'claim'
    WHEN reason LIKE 'appeasement of %' THEN 'appeasement'
    WHEN reason IN ('declined', 'reported by the payment system') THEN 'outside_result'
    WHEN reason LIKE 're-authorized before %' THEN 'reauthorization'
END;

-- A row none of these name fails the migration here rather than being given a guessed cause.
ALTER TABLE payment_movements ALTER COLUMN cause SET NOT NULL,
    ADD CONSTRAINT payment_movements_cause_check CHECK (cause IN ('submit', 'resubmit', 'shipment', 'change',
        'cancel', 'return', 'exchange', 'claim', 'appeasement', 'supervisor', 'outside_result', 'reauthorization'));
