package dev.keydesk.user;

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

    /** The people who may own bots, for the owner pickers. */
    public List<User> activeHumans() {
        return jdbi.withExtension(UserDao.class, UserDao::listActiveHumans);
    }
}
