package dev.keydesk.guard;

import dev.keydesk.db.LikePattern;
import dev.keydesk.user.User;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Reading guarded services for the pages and the admin API. */
public final class ServiceQueries {
    private static final int PICKER_MATCHES = 20;

    private final Jdbi jdbi;

    public ServiceQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public List<GuardedService> all() {
        return jdbi.withExtension(GuardDao.class, GuardDao::listAll);
    }

    public Optional<GuardedService> find(long id) {
        return jdbi.withExtension(GuardDao.class, dao -> dao.find(id));
    }

    public List<User> members(long serviceId) {
        return jdbi.withExtension(GuardDao.class, dao -> dao.members(serviceId));
    }

    /** Member counts of every service, by id. */
    public java.util.Map<Long, Integer> memberCounts() {
        java.util.Map<Long, Integer> counts = new java.util.HashMap<>();
        jdbi.withExtension(GuardDao.class, GuardDao::memberships).forEach(m -> counts.merge(m.serviceId(), 1, Integer::sum));
        return counts;
    }

    /** Active people and bots matching a search, for the member picker; nothing for an empty search. */
    public List<User> searchAccounts(String query) {
        if (query == null || query.isBlank()) return List.of();
        String pattern = LikePattern.contains(query.strip());
        return jdbi.withExtension(GuardDao.class, dao -> dao.searchAccounts(pattern, PICKER_MATCHES));
    }

    /** The services an account's keys open. */
    public List<GuardedService> openedFor(User user) {
        return jdbi.withExtension(GuardDao.class, dao -> dao.openedFor(user.id(), user.isAdmin() && !user.isBot()));
    }
}
