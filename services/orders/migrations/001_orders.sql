CREATE SEQUENCE order_number_seq START 100000;

CREATE TABLE orders (
    order_id      uuid PRIMARY KEY,
    order_number  text UNIQUE,
    customer_id   uuid NOT NULL,
    status        text NOT NULL,
    currency      text NOT NULL,
    total         numeric(18, 4) NOT NULL,
    email         text,
    language      text,
    version       integer NOT NULL,
    created_at    timestamptz NOT NULL,
    created_by    text NOT NULL,
    updated_at    timestamptz NOT NULL,
    updated_by    text NOT NULL
);
CREATE INDEX orders_customer_idx ON orders (customer_id);

CREATE TABLE order_lines (
    order_id     uuid NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    line_no      integer NOT NULL,
    sku          text NOT NULL,
    description  text,
    quantity     integer NOT NULL,
    unit_price   numeric(18, 4) NOT NULL,
    line_total   numeric(18, 4) NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- Every change to an order is a new version; the snapshot is what the order looked like then.
CREATE TABLE order_versions (
    order_id    uuid NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    version     integer NOT NULL,
    snapshot    jsonb NOT NULL,
    reason      text NOT NULL,
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (order_id, version)
);
