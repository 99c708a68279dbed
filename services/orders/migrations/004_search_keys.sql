-- Find orders and quotes by customer or ship-to name ignoring case and accents in every script
-- (search_key(), runtime migration 010); the trigram indexes follow the same expression.
DROP INDEX IF EXISTS orders_customer_name_idx;
DROP INDEX IF EXISTS orders_ship_to_names_idx;
CREATE INDEX orders_customer_name_key_trgm ON orders USING gin (search_key(customer_name) gin_trgm_ops);
CREATE INDEX orders_ship_to_names_key_trgm ON orders USING gin (search_key(ship_to_names) gin_trgm_ops);

-- Catalog search ("creme" finds "Crème brûlée") through the same key.
DROP INDEX IF EXISTS products_search_idx;
ALTER TABLE products DROP COLUMN search_text;
ALTER TABLE products ADD COLUMN search_text text
    GENERATED ALWAYS AS (search_key(sku || ' ' || name || ' ' || coalesce(description, ''))) STORED;
CREATE INDEX products_search_idx ON products USING gin (search_text gin_trgm_ops);
