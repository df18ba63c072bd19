package dev.keydesk.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.UserDao;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/**
 * On the product's own connections, a statement run again and again settles on one cached plan
 * (the hot paths pay for planning once), while a statement marked {@link PlannedPerValue} is
 * planned for its values on every run. Read from {@code pg_prepared_statements}, which lists
 * the statements a connection has prepared by name and how each was planned.
 */
@IntegrationTest
class PlannedPerValueTest {
    /** Past the driver's threshold for naming a statement (5) and PostgreSQL's five custom plans before a generic one. */
    private static final int RUNS = 15;

    private final Jdbi jdbi = TestKeydesk.get().primary().database().jdbi();

    @Test
    void anOrdinaryStatementIsPreparedOnceAndThenRunsOnAGenericPlan() {
        jdbi.useHandle(h -> {
            for (int i = 0; i < RUNS; i++) {
                h.createQuery("SELECT count(*) /* ordinary */ FROM users WHERE lower(email) LIKE :p")
                        .bind("p", "%" + i + "%").mapTo(Long.class).one();
            }
            Map<String, Object> prepared = preparedLike(h, "%/* ordinary */%");
            assertEquals(1L, prepared.get("statements"), "prepared by name once: " + prepared);
            assertTrue(((Number) prepared.get("generic_plans")).longValue() > 0, "a cached generic plan is used: " + prepared);
        });
    }

    @Test
    void aMarkedStatementIsNeverPreparedByNameSoEachRunIsPlannedForItsValues() {
        jdbi.useHandle(h -> {
            for (int i = 0; i < RUNS; i++) {
                h.createQuery("SELECT count(*) /* per value */ FROM users WHERE lower(email) LIKE :p")
                        .addCustomizer(PlannedPerValue.CUSTOMIZER).bind("p", "%" + i + "%").mapTo(Long.class).one();
            }
            assertEquals(0L, preparedLike(h, "%/* per value */%").get("statements"));
        });
    }

    @Test
    void theAnnotationMarksASqlObjectMethod() {
        jdbi.useHandle(h -> {
            UserDao users = h.attach(UserDao.class);
            for (int i = 0; i < RUNS; i++) {
                users.searchActiveHumans("%" + i + "%", 10);
                users.findById(i);
            }
            assertEquals(0L, preparedLike(h, "%ESCAPE '!' ORDER BY lower(full_name)%").get("statements"),
                    "the annotated search is never prepared by name");
            // The lookup's own text: a pooled connection may hold other prepared reads of one user by id.
            assertEquals(1L, preparedLike(h, "SELECT " + UserDao.COLUMNS + " FROM users WHERE id = $1").get("statements"),
                    "the unannotated lookup on the same connection is");
        });
    }

    private static Map<String, Object> preparedLike(Handle h, String pattern) {
        return h.createQuery("SELECT count(*) AS statements, coalesce(sum(generic_plans), 0) AS generic_plans"
                        + " FROM pg_prepared_statements WHERE statement LIKE :pattern AND statement NOT LIKE '%pg_prepared_statements%'")
                .bind("pattern", pattern).mapToMap().one();
    }
}
