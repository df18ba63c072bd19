package dev.keydesk.web;

import dev.keydesk.support.StderrCapture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.db.DatabaseAvailability;
import dev.keydesk.support.Http;
import dev.keydesk.support.UnitDatabase;
import io.javalin.Javalin;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import java.util.function.Supplier;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How database failures are answered, over real HTTP against a bare server with Keydesk's error
 * handling and routes that fail the way Jdbi does: an unreachable database is a 503, a value the
 * database cannot store (as the database server says) is the client's 400, and any other database
 * error is a logged 500: among them real ones from the embedded PostgreSQL and its driver, such as
 * more bind parameters than the protocol carries.
 */
class ErrorHandlingTest {
    private static final Map<String, Supplier<RuntimeException>> FAILURES = Map.of(
            "unreachable", () -> new ConnectionException(new SQLTransientConnectionException("keydesk - Connection is not "
                    + "available, request timed out after 500ms", "08001", new SQLException("Connection refused", "08001"))),
            "shutdown", () -> new UnableToExecuteStatementException(
                    new SQLException("FATAL: terminating connection due to administrator command", "57P01"), null),
            "refused", () -> new IllegalStateException(new ConnectException("Connection refused")),
            "out-of-range", () -> new UnableToExecuteStatementException(
                    new PSQLException(new ServerErrorMessage("SERROR\0C22003\0Msmallint out of range\0")), null),
            // The same state from the driver itself, about Keydesk's own statement, is no fault of the client's.
            "driver-out-of-range", () -> new UnableToExecuteStatementException(
                    new PSQLException("Tried to send an out-of-range integer as a 2-byte value: 70000",
                            PSQLState.NUMERIC_VALUE_OUT_OF_RANGE), null),
            "protocol-violation", () -> new UnableToExecuteStatementException(
                    new PSQLException(new ServerErrorMessage("SFATAL\0C08P01\0Minvalid message format\0")), null),
            "internal", () -> new UnableToExecuteStatementException(
                    new PSQLException(new ServerErrorMessage("SERROR\0CXX000\0Mcache lookup failed\0")), null),
            "division", () -> new UnableToExecuteStatementException(
                    new SQLException("ERROR: division by zero", "22012"), null),
            "constraint", () -> new UnableToExecuteStatementException(
                    new SQLException("ERROR: duplicate key value violates unique constraint", "23505"), null));

    private static Javalin app;
    private static String base;

    @BeforeAll
    static void start() {
        UnitDatabase.jdbi(); // started before the first request, which must not wait for it
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.fileRenderer(new TemplateRenderer());
            ErrorHandling.register(config.routes);
            // Real failures from a real PostgreSQL and driver, not the client's fault.
            config.routes.get("/api/test/too-many-parameters", ctx -> UnitDatabase.jdbi().useHandle(h -> {
                var q = h.createQuery("SELECT count(*) FROM users WHERE id IN (<ids>)");
                q.bindList("ids", java.util.stream.LongStream.range(0, 70_000).boxed().toList());
                q.mapTo(Long.class).one();
            }));
            config.routes.get("/api/test/too-large", ctx -> UnitDatabase.jdbi().useHandle(h ->
                    h.createQuery("SELECT length(repeat('x', 1100000000))").mapTo(Long.class).one()));
            config.routes.get("/api/test/real-out-of-range", ctx -> UnitDatabase.jdbi().useHandle(h ->
                    h.createQuery("SELECT CAST(:n AS smallint)").bind("n", ctx.queryParam("n")).mapTo(Integer.class).one()));
            FAILURES.forEach((name, failure) -> {
                config.routes.get("/api/test/" + name, ctx -> {
                    throw failure.get();
                });
                config.routes.get("/" + name, ctx -> {
                    throw failure.get();
                });
            });
        }).start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + app.port();
    }

    @AfterAll
    static void stop() {
        app.stop();
    }

    @Test
    void anUnreachableDatabaseIsA503WithRetryAfterAndNoStackTrace() {
        for (String name : new String[] {"unreachable", "shutdown", "refused"}) {
            try (StderrCapture log = new StderrCapture()) {
                Http.Response api = Http.get(base + "/api/test/" + name, null);
                assertEquals(503, api.status(), name);
                assertEquals("error", api.json().get("result").asText());
                assertEquals("SERVICE_UNAVAILABLE", api.json().get("code").asText());
                assertTrue(api.json().get("msg").asText().contains("database"), api.body());
                assertEquals("5", api.header("Retry-After").orElse(null));

                Http.Response page = Http.get(base + "/" + name, null);
                assertEquals(503, page.status(), name);
                assertTrue(page.header("Content-Type").orElse("").startsWith("text/html"));
                assertTrue(page.body().contains("cannot reach its database"), page.body());
                assertEquals("5", page.header("Retry-After").orElse(null));
                assertFalse(log.text().contains("Exception"), "nothing logged per request:\n" + log.text());
            }
        }
    }

    @Test
    void aValueTheDatabaseCannotStoreIsTheClientsFault() {
        for (String path : new String[] {"/api/test/out-of-range", "/api/test/real-out-of-range?n=40000"}) {
            Http.Response r = Http.get(base + path, null);
            assertEquals(400, r.status(), path);
            assertEquals("BAD_REQUEST", r.json().get("code").asText());
        }
    }

    @Test
    void anyOtherDatabaseErrorIsALogged500() {
        for (String name : new String[] {"division", "constraint", "driver-out-of-range", "protocol-violation",
                "internal", "too-many-parameters", "too-large"}) {
            try (StderrCapture log = new StderrCapture()) {
                Http.Response r = Http.get(base + "/api/test/" + name, null);
                assertEquals(500, r.status(), name);
                assertEquals("INTERNAL_SERVER_ERROR", r.json().get("code").asText());
                assertFalse(r.body().contains("SQL") || r.body().contains("ERROR:"), "no details for the client: " + r.body());
                assertTrue(log.text().contains("ERROR ErrorHandling - Unexpected error on GET /api/test/" + name), log.text());
                assertTrue(log.text().contains("SQLException"), "with its stack trace:\n" + log.text());
            }
        }
    }

    @Test
    void unavailabilityIsRecognisedThroughWrappers() {
        assertTrue(DatabaseAvailability.isUnavailable(FAILURES.get("unreachable").get()));
        assertTrue(DatabaseAvailability.isUnavailable(new RuntimeException(new SQLException("x", "08006"))));
        assertTrue(DatabaseAvailability.isUnavailable(new SQLException("the database system is starting up", "57P03")));
        assertFalse(DatabaseAvailability.isUnavailable(FAILURES.get("constraint").get()));
        assertFalse(DatabaseAvailability.isUnavailable(new SQLException("no state")));
        assertFalse(DatabaseAvailability.isUnavailable(FAILURES.get("protocol-violation").get()));
        assertFalse(DatabaseAvailability.isUnavailable(new IllegalStateException("nothing to do with it")));
    }
}
