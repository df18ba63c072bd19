package dev.keydesk.web;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;

/**
 * Refuses oversized bodies up front with 413, instead of letting the container silently drop
 * a form it finds too large (which would surface as a confusing "missing argument").
 */
public final class RequestLimits {
    /** Forms carry a few short fields; 64 KiB is generous. */
    public static final long MAX_FORM_BYTES = 64 * 1024;
    /** Multipart bodies may carry an avatar image. */
    public static final long MAX_MULTIPART_BYTES = 6L * 1024 * 1024;

    private RequestLimits() {}

    public static void check(Context ctx) {
        long length = ctx.contentLength();
        if (length <= 0) return;
        long limit = ctx.isMultipartFormData() ? MAX_MULTIPART_BYTES : MAX_FORM_BYTES;
        if (length > limit) {
            throw new HttpResponseException(413, "Request body is too large", Map.of());
        }
    }
}
