-- A customer named by her e-mail (FindCustomersV1.exact_email; csr's CUSTOMER arguments): one probe
-- of a b-tree on lower(email), where the trigram index (003) would scan every customer whose
-- address merely contains the text. Not unique: a guest and a registered customer may share one.
-- The logon id needs nothing new: customers_logon_id_uq (001) is unique on lower(logon_id).
CREATE INDEX IF NOT EXISTS customers_email_lower_idx ON customers (lower(email));
