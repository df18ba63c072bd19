package dev.keydesk.web;

import dev.keydesk.api.ApiError;
import dev.keydesk.db.DatabaseAvailability;
import dev.keydesk.errors.ForbiddenException;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.errors.NotFoundException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.BadMessageException;
import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into a clear answer: Zulip-style JSON under /api, an error page
 * elsewhere. Bad input is a 4xx; only a genuine bug is a 500, and its stack trace goes to the
 * log, never to the client.
 */
public final class ErrorHandling {
    private static final Logger log = LoggerFactory.getLogger(ErrorHandling.class);
    private static final String HANDLED = "keydesk.error-handled";
    static final String RETRY_AFTER_SECONDS = "5";
    /**
     * The data exceptions (SQLSTATE class 22) that only a value from the request can cause here: a
     * string too long, a number out of range, a character the database cannot store. Any other
     * database error (a failed constraint, a cast or a date overflow in Keydesk's own SQL, a lost
     * connection) is not the client's fault. Only the database server's own verdict counts: the
     * driver reports some of its own limits (more bind parameters than the protocol carries, say)
     * with the same class-22 states, and those are Keydesk's fault, not the request's.
     */
    private static final Set<String> INPUT_DATA_EXCEPTIONS = Set.of("22001", "22003", "22021", "22P05");

    private ErrorHandling() {}

    public static void register(RoutesConfig routes) {
        routes.exception(LoginRequired.class, (e, ctx) -> {
            ctx.attribute(HANDLED, true);
            LoginRequired.redirect(ctx);
        });
        routes.exception(ApiError.class, (e, ctx) -> sendApiError(ctx, e));
        routes.exception(WebError.class, (e, ctx) -> send(ctx, e.status(), e.getMessage(), apiCode(e.status())));
        routes.exception(InvalidInputException.class, (e, ctx) -> send(ctx, 400, e.getMessage(), "BAD_REQUEST"));
        routes.exception(NotFoundException.class, (e, ctx) -> send(ctx, isApi(ctx) ? 400 : 404,
                e.getMessage(), "BAD_REQUEST"));
        // Zulip refuses what an account may not do with 400 on its API; pages say 403.
        routes.exception(ForbiddenException.class, (e, ctx) -> send(ctx, ctx.path().startsWith("/api/") ? 400 : 403,
                e.getMessage(), "BAD_REQUEST"));
        routes.exception(HttpResponseException.class, (e, ctx) -> {
            int status = e.getStatus();
            String message = status == 404 ? notFoundMessage(ctx) : defaultMessage(status, e.getMessage());
            send(ctx, status, message, apiCode(status));
        });
        routes.exception(BadMessageException.class, (e, ctx) -> send(ctx, e.getCode() >= 400 && e.getCode() < 500
                ? e.getCode() : 400, "Malformed request", "BAD_REQUEST"));
        routes.exception(Exception.class, (e, ctx) -> {
            if (DatabaseAvailability.isUnavailable(e)) {
                // Logged once per outage by DatabaseAvailability, not once per request.
                sendUnavailable(ctx);
                return;
            }
            if (isRejectedByDatabase(e)) {
                send(ctx, 400, "The request contains characters or values that cannot be stored.", "BAD_REQUEST");
                return;
            }
            log.error("Unexpected error on {} {}", ctx.method(), LogPaths.loggable(ctx.path()), e);
            send(ctx, 500, "Something went wrong on our side. The error has been logged.", "INTERNAL_SERVER_ERROR");
        });
        routes.error(404, ctx -> {
            if (ctx.attribute(HANDLED) == null) send(ctx, 404, notFoundMessage(ctx), "BAD_REQUEST");
        });
        routes.error(405, ctx -> {
            if (ctx.attribute(HANDLED) == null) send(ctx, 405, "Method Not Allowed", "BAD_REQUEST");
        });
    }

    private static boolean isRejectedByDatabase(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 20; t = t.getCause(), depth++) {
            if (t instanceof PSQLException sql && sql.getServerErrorMessage() != null
                    && INPUT_DATA_EXCEPTIONS.contains(sql.getSQLState())) return true;
        }
        return false;
    }

    /** The database is unreachable: 503 with Retry-After, in the API's shape or as a page. */
    private static void sendUnavailable(Context ctx) {
        ctx.header("Retry-After", RETRY_AFTER_SECONDS);
        if (ctx.path().startsWith("/api/")) {
            sendApiError(ctx, new ApiError(503, "SERVICE_UNAVAILABLE",
                    "The database is unavailable; try again in a few seconds.", Map.of(),
                    Map.of("Retry-After", RETRY_AFTER_SECONDS)));
            return;
        }
        send(ctx, 503, "Keydesk cannot reach its database right now. Try again in a few seconds.", "SERVICE_UNAVAILABLE");
    }

    private static void sendApiError(Context ctx, ApiError error) {
        ctx.attribute(HANDLED, true);
        error.headers().forEach(ctx::header);
        ctx.status(error.status()).json(error.body());
    }

    private static void send(Context ctx, int status, String message, String code) {
        if (isApi(ctx)) {
            sendApiError(ctx, status == 401
                    ? ApiError.unauthorized(code, message)
                    : new ApiError(status, code, message));
            return;
        }
        ctx.attribute(HANDLED, true);
        Layout layout = Layout.withNotice(ctx, title(status), null);
        ctx.status(status).render("error.jte", Map.of("page", new ErrorPage(layout, status, message)));
    }

    /** The API and the forward-auth endpoint answer programs: errors in Zulip's JSON shape. */
    private static boolean isApi(Context ctx) {
        String path = ctx.path();
        return path.startsWith("/api/") || path.equals("/forward-auth") || path.startsWith("/forward-auth/");
    }

    private static String notFoundMessage(Context ctx) {
        return isApi(ctx) ? "Endpoint not found" : "There is no page at this address.";
    }

    private static String defaultMessage(int status, String message) {
        if (status == 413) return "Request body is too large";
        return message == null || message.isBlank() ? "Bad request" : message;
    }

    /** Zulip's codes: UNAUTHORIZED for 401, RATE_LIMIT_HIT for 429, BAD_REQUEST for the other 4xx. */
    private static String apiCode(int status) {
        return switch (status) {
            case 401 -> "UNAUTHORIZED";
            case 429 -> "RATE_LIMIT_HIT";
            default -> status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST";
        };
    }

    private static String title(int status) {
        return switch (status) {
            case 403 -> "Not allowed";
            case 404 -> "Not found";
            case 413 -> "Too large";
            case 503 -> "Unavailable";
            default -> status >= 500 ? "Server error" : "Cannot do that";
        };
    }
}
