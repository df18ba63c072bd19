package dev.keydesk.user;

import dev.keydesk.db.LikePattern;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Reading accounts for pages and endpoints that show them. */
public final class UserQueries {
    private final Jdbi jdbi;

    public UserQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Optional<User> find(long id) {
        return jdbi.withExtension(UserDao.class, dao -> dao.findById(id));
    }

    public Optional<User> findByEmail(String email) {
        return jdbi.withExtension(UserDao.class, dao -> dao.findByEmail(email));
    }

    /** Up to {@code limit} active people whose name or e-mail contains {@code text}, by name, for the owner pickers. */
    public List<User> searchActiveHumans(String text, int limit) {
        String pattern = LikePattern.contains(text.strip());
        return jdbi.withExtension(UserDao.class, dao -> dao.searchActiveHumans(pattern, limit));
    }

    /** The active people among {@code ids}, by name: the owners a picker has chosen so far. */
    public List<User> activeHumansAmong(Collection<Long> ids) {
        if (ids.isEmpty()) return List.of();
        long[] array = ids.stream().mapToLong(Long::longValue).toArray();
        return jdbi.withExtension(UserDao.class, dao -> dao.activeHumansAmong(array));
    }
}
