package dev.keydesk.api;

import io.javalin.http.HttpResponseException;
import org.eclipse.jetty.http.BadMessageException;

/** Turns the container's complaints about a request body (too large, not decodable) into clear 4xx errors. */
public final class RequestBodyErrors {
    private RequestBodyErrors() {}

    public static int status(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpResponseException http && http.getStatus() >= 400 && http.getStatus() < 500) {
                return http.getStatus();
            }
            if (t instanceof BadMessageException bad && bad.getCode() >= 400 && bad.getCode() < 500) {
                return bad.getCode();
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(java.util.Locale.ROOT);
            if (message.contains("too large") || message.contains("larger than") || message.contains("exceeds")
                    || message.contains("too many")) {
                return 413;
            }
        }
        return 400;
    }

    public static String message(int status) {
        return status == 413 ? "Request body is too large" : "Malformed request body";
    }

    static ApiError toApiError(RuntimeException e) {
        int status = status(e);
        return new ApiError(status, "BAD_REQUEST", message(status));
    }
}
