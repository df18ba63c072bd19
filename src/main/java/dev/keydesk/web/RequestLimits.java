package dev.keydesk.web;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
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

    private static final long DRAIN_LIMIT = 1024 * 1024;

    private RequestLimits() {}

    public static void check(Context ctx) {
        long length = ctx.contentLength();
        if (length <= 0) return;
        long limit = ctx.isMultipartFormData() ? MAX_MULTIPART_BYTES : MAX_FORM_BYTES;
        if (length > limit) {
            drain(ctx);
            throw new HttpResponseException(413, "Request body is too large", Map.of());
        }
    }

    /**
     * Reads (and drops) up to 1 MiB of the refused body, so a client still sending it receives
     * the 413 instead of a reset connection. Anything larger is cut off by closing the connection.
     */
    private static void drain(Context ctx) {
        try (InputStream body = ctx.req().getInputStream()) {
            byte[] buffer = new byte[16 * 1024];
            long left = DRAIN_LIMIT;
            int read;
            while (left > 0 && (read = body.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                left -= read;
            }
        } catch (IOException e) {
            // The client went away; nothing to answer.
        }
    }
}
