-- The Users page at 10,000 people among 100,000 bots: people (not bots) in name order for keyset
-- paging, and trigram indexes for searching their names and e-mail addresses.
CREATE INDEX users_person_name_order ON users (lower(full_name), id) WHERE NOT is_bot;
CREATE INDEX users_person_name_trgm ON users USING gin (lower(full_name) gin_trgm_ops) WHERE NOT is_bot;
CREATE INDEX users_person_email_trgm ON users USING gin (lower(email) gin_trgm_ops) WHERE NOT is_bot;
