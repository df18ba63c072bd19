package dev.keydesk.account;

import org.jdbi.v3.core.Jdbi;

/**
 * What Account & privacy suggests to do next, while it has not been done: add a first bot (to
 * anyone who may and owns none) and invite people (to administrators while nobody else has an
 * account or an invitation). One statement, on indexed columns.
 */
public final class NextSteps {
    /** {@code addBot}: suggest Your bots; {@code invite}: suggest the Users page. */
    public record Suggestions(boolean addBot, boolean invite) {
        public boolean any() {
            return addBot || invite;
        }
    }

    private final Jdbi jdbi;

    public NextSteps(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Suggestions of(long userId, boolean mayAddBots, boolean isAdmin) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT NOT EXISTS (SELECT 1 FROM bot_owners WHERE owner_id = :id) AS no_bots,
                               NOT EXISTS (SELECT 1 FROM invitations)
                               AND NOT EXISTS (SELECT 1 FROM users WHERE NOT is_bot AND id <> :id) AS alone""")
                .bind("id", userId)
                .map((rs, ctx) -> new Suggestions(mayAddBots && rs.getBoolean("no_bots"), isAdmin && rs.getBoolean("alone")))
                .one());
    }
}
