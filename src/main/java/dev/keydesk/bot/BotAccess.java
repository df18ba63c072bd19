package dev.keydesk.bot;

import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.User;
import org.jdbi.v3.core.Jdbi;

/**
 * Who may see or change a bot: its owners and the organization's administrators. Everyone else
 * is told "No such bot" (it does not exist) or "Insufficient permission" (it is not theirs), as
 * Zulip words it, and never gets the bot's key.
 */
public final class BotAccess {
    /** Why a bot cannot be handled by this user. */
    public static final class Denied extends InvalidInputException {
        public Denied(String message) {
            super(message);
        }
    }

    private final Jdbi jdbi;

    public BotAccess(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Bot requireManageable(User actor, long botId) {
        Bot bot = jdbi.withExtension(BotDao.class, dao -> dao.find(botId)).orElseThrow(() -> new Denied("No such bot"));
        if (!canManage(actor, botId)) throw new Denied("Insufficient permission");
        return bot;
    }

    public boolean canManage(User actor, long botId) {
        if (!actor.isActive()) return false;
        if (actor.isAdmin() && !actor.isBot()) return true;
        return jdbi.withExtension(BotDao.class, dao -> dao.isOwner(botId, actor.id()));
    }
}
