package dev.keydesk.support;

import dev.keydesk.db.BeforeCommit;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleConsumer;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * One embedded PostgreSQL for the fast lane, started on first use and migrated with the product's
 * own migrations. Tests work inside {@link #rolledBack}, so nothing they write is ever committed
 * and no test sees another's rows. No Keydesk server runs.
 */
public final class UnitDatabase {
    private static Jdbi jdbi;

    private UnitDatabase() {}

    /** Jdbi configured as the product configures it (SQL objects, PostgreSQL types). */
    public static synchronized Jdbi jdbi() {
        if (jdbi == null) {
            EmbeddedPostgres postgres;
            try {
                postgres = EmbeddedPostgres.builder().start(); // a fresh data directory, removed at exit
            } catch (IOException e) {
                throw new IllegalStateException("Cannot start the embedded PostgreSQL server", e);
            }
            Flyway.configure()
                    .dataSource(postgres.getPostgresDatabase())
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            jdbi = Jdbi.create(postgres.getPostgresDatabase())
                    .installPlugin(new SqlObjectPlugin())
                    .installPlugin(new PostgresPlugin());
            BeforeCommit.install(jdbi, () -> {});
        }
        return jdbi;
    }

    /** Runs {@code work} in a transaction that is always rolled back, whether it passes or fails. */
    public static <X extends Exception> void rolledBack(HandleConsumer<X> work) throws X {
        try (Handle handle = jdbi().open()) {
            handle.begin();
            try {
                work.useHandle(handle);
            } finally {
                handle.rollback();
            }
        }
    }

    /** Counts rows in a committed state, outside any test's transaction. */
    public static long committedCount(String table) {
        return jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
    }
}
