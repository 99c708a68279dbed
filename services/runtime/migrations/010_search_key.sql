-- search_key(text): the form in which names, e-mails, cities and postal codes are compared when a
-- CSR searches: accents removed (unaccent: "Łódź" -> "Lodz", "Straße" -> "Strasse") and lower case
-- by Unicode's rules (the ICU root collation), whatever locale the database was created with. A
-- database initialised without a locale (C) folds only ASCII in lower()/ILIKE, so "łukasz" did not
-- find "ŁUKASZ". Both sides of every search go through this one function: the stored value (in the
-- trigram index) and the term the caller typed.
--
-- unaccent() is only STABLE because its dictionary could be changed; pinned to the extension's own
-- dictionary it is safe to declare this wrapper IMMUTABLE, which expression indexes require (the
-- approach PostgreSQL's documentation of unaccent suggests). Final sigma is folded to sigma so a
-- Greek name typed in lower case finds its capitalised form.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE OR REPLACE FUNCTION search_key(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN translate(lower(unaccent('unaccent'::regdictionary, value) COLLATE "und-x-icu"), 'ς', 'σ');
