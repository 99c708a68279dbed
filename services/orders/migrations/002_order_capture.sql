-- Order capture (ORD-01..ORD-15): catalog and stock, pricing rules and coupons, carts and orders as
-- whole documents with the columns find needs, versions, comments, reservations.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE products (
    sku            text PRIMARY KEY,
    name           text NOT NULL,
    description    text,
    category       text,
    prices         jsonb NOT NULL,           -- {"USD": "12.50", "EUR": "11.90"}
    trackable      boolean NOT NULL,
    stocked        boolean NOT NULL,
    backorderable  boolean NOT NULL,
    active         boolean NOT NULL,
    on_hand        integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved       integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    version        integer NOT NULL,
    updated_at     timestamptz NOT NULL,
    updated_by     text NOT NULL,
    search_text    text GENERATED ALWAYS AS (lower(sku || ' ' || name || ' ' || coalesce(description, ''))) STORED
);
CREATE INDEX products_search_idx ON products USING gin (search_text gin_trgm_ops);
CREATE INDEX products_category_idx ON products (lower(category));

-- Who changed stock, when and why (reservations are in stock_reservations).
CREATE TABLE stock_movements (
    id          bigserial PRIMARY KEY,
    sku         text NOT NULL REFERENCES products (sku),
    delta       integer NOT NULL,
    on_hand     integer NOT NULL,
    reason      text NOT NULL,
    moved_by    text NOT NULL,
    moved_at    timestamptz NOT NULL
);
CREATE INDEX stock_movements_sku_idx ON stock_movements (sku, moved_at);

CREATE TABLE stock_reservations (
    order_id     uuid NOT NULL,
    line_no      integer NOT NULL,
    sku          text NOT NULL REFERENCES products (sku),
    quantity     integer NOT NULL CHECK (quantity > 0),
    reserved_at  timestamptz NOT NULL,
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX stock_reservations_sku_idx ON stock_reservations (sku);

CREATE TABLE discount_rules (
    code          text PRIMARY KEY,
    description   text NOT NULL,
    level         text NOT NULL CHECK (level IN ('line', 'order')),
    kind          text NOT NULL CHECK (kind IN ('percent', 'amount')),
    value         numeric(18, 4) NOT NULL,
    currency      text,
    sku           text,
    min_quantity  integer NOT NULL DEFAULT 1,
    min_subtotal  numeric(18, 4),
    valid_from    timestamptz,
    valid_to      timestamptz,
    active        boolean NOT NULL,
    version       integer NOT NULL,
    updated_at    timestamptz NOT NULL,
    updated_by    text NOT NULL
);

CREATE TABLE coupons (
    code               text PRIMARY KEY,
    description        text NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('percent', 'amount')),
    value              numeric(18, 4) NOT NULL,
    currency           text,
    min_subtotal       numeric(18, 4),
    valid_from         timestamptz NOT NULL,
    valid_to           timestamptz NOT NULL,
    max_uses           integer,
    uses               integer NOT NULL DEFAULT 0,
    once_per_customer  boolean NOT NULL,
    active             boolean NOT NULL,
    version            integer NOT NULL,
    updated_at         timestamptz NOT NULL,
    updated_by         text NOT NULL
);

CREATE TABLE coupon_redemptions (
    code         text NOT NULL REFERENCES coupons (code),
    order_id     uuid NOT NULL,
    customer_id  uuid NOT NULL,
    redeemed_at  timestamptz NOT NULL,
    PRIMARY KEY (code, order_id)
);
CREATE INDEX coupon_redemptions_customer_idx ON coupon_redemptions (code, customer_id);

-- The order as a whole document (the OrderView of contracts.orders), plus what find and lists need.
ALTER TABLE orders
    ADD COLUMN doc            jsonb,
    ADD COLUMN holds          text[] NOT NULL DEFAULT '{}',
    ADD COLUMN guest          boolean NOT NULL DEFAULT false,
    ADD COLUMN customer_name  text,
    ADD COLUMN ship_to_names  text,
    ADD COLUMN line_count     integer NOT NULL DEFAULT 0,
    ADD COLUMN label          text,
    ADD COLUMN submitted_at   timestamptz,
    ADD COLUMN backorder_of   uuid;
CREATE INDEX orders_status_idx ON orders (status, updated_at DESC);
CREATE INDEX orders_updated_idx ON orders (updated_at DESC);
CREATE INDEX orders_holds_idx ON orders USING gin (holds);
CREATE INDEX orders_customer_name_idx ON orders USING gin (lower(customer_name) gin_trgm_ops);
CREATE INDEX orders_ship_to_names_idx ON orders USING gin (lower(ship_to_names) gin_trgm_ops);

ALTER TABLE order_lines
    ADD COLUMN discount              numeric(18, 4) NOT NULL DEFAULT 0,
    ADD COLUMN tax                   numeric(18, 4) NOT NULL DEFAULT 0,
    ADD COLUMN reserved_quantity     integer NOT NULL DEFAULT 0,
    ADD COLUMN backordered_quantity  integer NOT NULL DEFAULT 0;
CREATE INDEX order_lines_sku_idx ON order_lines (sku);

ALTER TABLE order_versions ADD COLUMN change text NOT NULL DEFAULT 'placed';

CREATE TABLE order_comments (
    comment_id  uuid PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    text        text NOT NULL,
    visibility  text NOT NULL CHECK (visibility IN ('internal', 'customer')),
    added_by    text NOT NULL,
    added_at    timestamptz NOT NULL
);
CREATE INDEX order_comments_order_idx ON order_comments (order_id, added_at);

-- Names of customers as the customers service announces them (orders never asks it).
CREATE TABLE customer_names (
    customer_id  uuid PRIMARY KEY,
    first_name   text,
    last_name    text,
    email        text,
    language     text,
    updated_at   timestamptz NOT NULL
);
