package dev.keydesk.web;

import dev.keydesk.support.StderrCapture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.db.DatabaseAvailability;
import dev.keydesk.support.Http;
import io.javalin.Javalin;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import java.util.function.Supplier;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How database failures are answered, over real HTTP against a bare server with Keydesk's error
 * handling and routes that fail the way Jdbi does: an unreachable database is a 503, a value the
 * database cannot store is the client's 400, and any other database error is a logged 500.
 */
class ErrorHandlingTest {
    private static final Map<String, Supplier<RuntimeException>> FAILURES = Map.of(
            "unreachable", () -> new ConnectionException(new SQLTransientConnectionException("keydesk - Connection is not "
                    + "available, request timed out after 500ms", "08001", new SQLException("Connection refused", "08001"))),
            "shutdown", () -> new UnableToExecuteStatementException(
                    new SQLException("FATAL: terminating connection due to administrator command", "57P01"), null),
            "refused", () -> new IllegalStateException(new ConnectException("Connection refused")),
            "out-of-range", () -> new UnableToExecuteStatementException(
                    new SQLException("ERROR: smallint out of range", "22003"), null),
            "division", () -> new UnableToExecuteStatementException(
                    new SQLException("ERROR: division by zero", "22012"), null),
            "constraint", () -> new UnableToExecuteStatementException(
                    new SQLException("ERROR: duplicate key value violates unique constraint", "23505"), null));

    private static Javalin app;
    private static String base;

    @BeforeAll
    static void start() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.fileRenderer(new TemplateRenderer());
            ErrorHandling.register(config.routes);
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
        Http.Response r = Http.get(base + "/api/test/out-of-range", null);
        assertEquals(400, r.status());
        assertEquals("BAD_REQUEST", r.json().get("code").asText());
    }

    @Test
    void anyOtherDatabaseErrorIsALogged500() {
        for (String name : new String[] {"division", "constraint"}) {
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
        assertFalse(DatabaseAvailability.isUnavailable(new IllegalStateException("nothing to do with it")));
    }
}
