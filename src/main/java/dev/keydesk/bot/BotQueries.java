package dev.keydesk.bot;

import dev.keydesk.db.LikePattern;
import dev.keydesk.user.User;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Reading bots for lists: a constant number of queries however many bots there are. */
public final class BotQueries {
    /** Owners and services of a set of bots, fetched together. */
    public static final class Details {
        private final Map<Long, List<BotOwner>> owners = new HashMap<>();
        private final Map<Long, BotService> services = new HashMap<>();

        Details(List<BotOwner> ownerRows, List<BotService> serviceRows) {
            for (BotOwner o : ownerRows) owners.computeIfAbsent(o.botId(), k -> new ArrayList<>()).add(o);
            for (BotService s : serviceRows) services.put(s.botId(), s);
        }

        public List<BotOwner> owners(long botId) {
            return owners.getOrDefault(botId, List.of());
        }

        public List<Long> ownerIds(long botId) {
            return owners(botId).stream().map(BotOwner::userId).toList();
        }

        public String primaryOwnerEmail(long botId) {
            return owners(botId).isEmpty() ? null : owners(botId).get(0).email();
        }

        public Optional<BotService> service(long botId) {
            return Optional.ofNullable(services.get(botId));
        }
    }

    private final Jdbi jdbi;

    public BotQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * The people a member (not an administrator) may find when choosing co-owners: the people they
     * already see on their own bots' pages, and someone else only by typing the whole e-mail
     * address, so the picker cannot be used to list the organization.
     */
    public List<User> ownerCandidatesFor(User member, String search, int limit) {
        String text = search.strip();
        return jdbi.withExtension(BotDao.class,
                dao -> dao.ownerCandidates(member.id(), LikePattern.contains(text), text, limit));
    }

    /** One page of a person's active bots, and whether more follow it. */
    public record OwnedPage(List<Bot> bots, boolean hasMore) {}

    /**
     * The owner's active bots after {@code afterId}, in id order (the order they were created), at
     * most {@code limit}; one row more is read than is returned, to tell whether another page
     * follows. The owner's entries are read in bot id order from the (owner_id, bot_id)
     * index and each bot's row is then looked up by id, so a page costs the same whoever owns the
     * bots around it and however many precede it. {@code OFFSET 0} keeps the lookup a lookup:
     * joined plainly, the planner would rather walk users from the lowest id (past every person and
     * everyone else's bots) or read all 110,000 users for a hash join, 15 to 25 ms at that size
     * against 1.5 ms. A plain statement, as {@link #apiDetails}' are: attaching {@link BotDao}
     * readies each of its methods at every call, a tenth of the bot list's Java time.
     */
    public OwnedPage activeOwnedAfter(long ownerId, long afterId, int limit) {
        List<Bot> rows = jdbi.withHandle(h -> h.createQuery("SELECT b.* FROM bot_owners o CROSS JOIN LATERAL (SELECT "
                        + BotDao.BOT_COLUMNS + """
                         FROM users u WHERE u.id = o.bot_id AND u.is_active OFFSET 0) b
                        WHERE o.owner_id = :ownerId AND o.bot_id > :afterId
                        ORDER BY o.bot_id
                        LIMIT :limit""")
                .bind("ownerId", ownerId).bind("afterId", afterId).bind("limit", limit + 1)
                .map(new BotRowMapper()).list());
        boolean hasMore = rows.size() > limit;
        return new OwnedPage(hasMore ? rows.subList(0, limit) : rows, hasMore);
    }

    public Optional<Bot> find(long botId) {
        return jdbi.withExtension(BotDao.class, dao -> dao.find(botId));
    }

    /** Your bots' searchable, paged list. */
    OwnedBotQueries owned() {
        return new OwnedBotQueries(jdbi);
    }

    public Details details(List<Bot> bots) {
        return detailsOf(bots.stream().map(Bot::id).toList());
    }

    /**
     * What Zulip's bot dictionaries name of each of these bots besides the bot itself: its primary
     * owner (the first added) and its service. Lighter than {@link #details}, which also reads every
     * owner's name and address.
     */
    public ApiDetails apiDetails(List<Bot> bots) {
        if (bots.isEmpty()) return new ApiDetails(Map.of(), Map.of());
        long[] ids = bots.stream().mapToLong(Bot::id).toArray();
        return jdbi.withHandle(h -> {
            Map<Long, Long> owners = new HashMap<>();
            h.createQuery("""
                            SELECT DISTINCT ON (bot_id) bot_id, owner_id FROM bot_owners
                            WHERE bot_id = ANY(:ids) ORDER BY bot_id, added_at, owner_id""")
                    .bind("ids", ids)
                    .map((rs, ctx) -> Map.entry(rs.getLong("bot_id"), rs.getLong("owner_id")))
                    .forEach(e -> owners.put(e.getKey(), e.getValue()));
            Map<Long, BotService> services = new HashMap<>();
            h.createQuery(BotDao.SERVICES_OF).bind("botIds", ids)
                    .map((rs, ctx) -> new BotService(rs.getLong("bot_id"), rs.getString("payload_url"),
                            rs.getInt("interface_type"), rs.getBytes("token_ciphertext")))
                    .forEach(s -> services.put(s.botId(), s));
            return new ApiDetails(owners, services);
        });
    }

    public record ApiDetails(Map<Long, Long> primaryOwners, Map<Long, BotService> services) {
        public Optional<BotService> service(long botId) {
            return Optional.ofNullable(services.get(botId));
        }
    }

    /** The same, by bot ids, for lists that are not made of {@link Bot} records. */
    public Details detailsOf(List<Long> ids) {
        if (ids.isEmpty()) return new Details(List.of(), List.of());
        return jdbi.withExtension(BotDao.class, dao -> new Details(dao.ownersOf(ids), dao.servicesOf(ids)));
    }
}
