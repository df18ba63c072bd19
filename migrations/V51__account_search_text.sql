-- One search text per account, its name and e-mail address lower-cased on two lines, with one
-- trigram index for bots and one for people in place of an index per column, and statistics on
-- the text itself. With an index per column and no statistics, the planner guessed the share of
-- accounts a search matches from the pattern alone: a search such as "bot 99" (found in 11 of
-- 51,000 bots) was read as common and answered by reading every bot. With the statistics it
-- knows "seed" from "bot 99", and walks the name order for a common text and the index for a rare
-- one. chr(10) rather than an escaped newline: the statements that search are written without
-- backslashes. Queries use AccountSearch.TEXT, the same expression, so the index serves them.
DROP INDEX users_bot_name_trgm;
DROP INDEX users_bot_email_trgm;
DROP INDEX users_person_name_trgm;
DROP INDEX users_person_email_trgm;
CREATE INDEX users_bot_search_trgm ON users USING gin ((lower(full_name) || chr(10) || lower(email)) gin_trgm_ops)
    WHERE is_bot;
CREATE INDEX users_person_search_trgm ON users USING gin ((lower(full_name) || chr(10) || lower(email)) gin_trgm_ops)
    WHERE NOT is_bot;
CREATE STATISTICS users_search_text ON (lower(full_name) || chr(10) || lower(email)) FROM users;
ANALYZE users;
