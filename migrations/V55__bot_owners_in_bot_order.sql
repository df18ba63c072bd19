-- GET /api/v1/bots pages through a person's bots in id order (keyset paging on bot_id). With
-- (owner_id, bot_id) a page is one range of this index, read in order and stopped after the
-- page; with (owner_id) alone the owner's bots had to be read and sorted whole, or the primary
-- key (bot_id, owner_id) walked past everyone else's bots. The new index also serves every
-- lookup by owner that the old one did, so the old one goes.
CREATE INDEX bot_owners_owner_bot ON bot_owners (owner_id, bot_id);
DROP INDEX bot_owners_owner;
