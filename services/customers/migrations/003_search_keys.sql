-- Searches compare search_key() of both sides (runtime migration 010): case and accents ignored for
-- every script, not only ASCII. The trigram indexes are rebuilt on the same expression so they
-- still narrow a "contains" search among 100,000 customers.
DROP INDEX IF EXISTS customers_logon_trgm;
DROP INDEX IF EXISTS customers_first_name_trgm;
DROP INDEX IF EXISTS customers_last_name_trgm;
DROP INDEX IF EXISTS customers_email_trgm;
DROP INDEX IF EXISTS addresses_postal_trgm;
DROP INDEX IF EXISTS accounts_name_trgm;
DROP INDEX IF EXISTS accounts_number_trgm;

CREATE INDEX customers_logon_key_trgm ON customers USING gin (search_key(logon_id) gin_trgm_ops);
CREATE INDEX customers_first_name_key_trgm ON customers USING gin (search_key(first_name) gin_trgm_ops);
CREATE INDEX customers_last_name_key_trgm ON customers USING gin (search_key(last_name) gin_trgm_ops);
CREATE INDEX customers_email_key_trgm ON customers USING gin (search_key(email) gin_trgm_ops);
CREATE INDEX addresses_postal_key_trgm ON addresses USING gin (search_key(postal_code) gin_trgm_ops);
CREATE INDEX addresses_city_key_trgm ON addresses USING gin (search_key(city) gin_trgm_ops);
CREATE INDEX accounts_name_key_trgm ON accounts USING gin (search_key(name) gin_trgm_ops);
CREATE INDEX accounts_number_key_trgm ON accounts USING gin (search_key(account_number) gin_trgm_ops);
