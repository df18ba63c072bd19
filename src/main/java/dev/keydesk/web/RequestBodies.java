package dev.keydesk.web;

import dev.keydesk.api.ApiRequest;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpException;

/**
 * Checks every request body before a route sees it: refuses oversized bodies with 413 (instead
 * of letting the container silently drop a form it finds too large, which would surface as a
 * confusing "missing argument"), refuses unknown charsets, and parses forms up front so that
 * any malformed body is a 400 here rather than an exception deep inside a route.
 */
public final class RequestBodies {
    /** Forms carry a few short fields; 64 KiB is generous. */
    public static final int MAX_FORM_BYTES = 64 * 1024;
    /** Multipart bodies may carry an avatar image. */
    public static final long MAX_MULTIPART_BYTES = 6L * 1024 * 1024;
    /** A little more than the largest body accepted, so a client that overshoots still hears why. */
    private static final long DRAIN_LIMIT = 8L * 1024 * 1024;

    private RequestBodies() {}

    public static void check(Context ctx) {
        HandlerType method = ctx.method();
        if (method == HandlerType.GET || method == HandlerType.HEAD || method == HandlerType.OPTIONS) return;
        String contentType = ctx.header("Content-Type"); // raw: the container's parsed view throws on bad charsets
        requireKnownCharset(contentType);
        boolean multipart = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
        long length = ctx.req().getContentLengthLong(); // Javalin's int view is -1 past 2 GiB
        if (length > (multipart ? MAX_MULTIPART_BYTES : MAX_FORM_BYTES)) {
            if (expectsContinue(ctx)) {
                // The client waits for leave to send the body; reading it would give that leave
                // (Jetty answers 100 Continue on the first read). Refuse from the declared length
                // instead, and close the connection, since the body was never read.
                ctx.header("Connection", "close");
            } else {
                drain(ctx);
            }
            throw tooLarge();
        }
        if (multipart && isEmptyMultipart(ctx, contentType, length)) {
            ApiRequest.markNoFormParts(ctx);
            return;
        }
        try {
            if (!multipart && ctx.bodyAsBytes().length > MAX_FORM_BYTES) {
                throw tooLarge(); // a chunked body, which announced no length
            }
            if (multipart || isUrlEncoded(contentType)) ctx.formParamMap();
        } catch (HttpResponseException e) {
            throw e;
        } catch (Exception e) { // the container also throws checked ServletExceptions through Kotlin code
            int status = statusFor(e);
            throw new HttpResponseException(status, message(status), Map.of());
        }
    }

    /**
     * A multipart body without a single part (nothing at all, or {@code --boundary--}), which
     * clients send for a POST without parameters (zulip-js sends an empty body); the container's
     * parser refuses it, Zulip accepts it.
     * Only a body too short to hold any part is read here, so real forms are left to the parser.
     */
    private static boolean isEmptyMultipart(Context ctx, String contentType, long length) {
        if (length == 0) return true;
        String boundary = boundary(contentType);
        if (boundary == null || length < 0 || length >= 2L * boundary.length() + 40) return false;
        String body = new String(ctx.bodyAsBytes(), java.nio.charset.StandardCharsets.ISO_8859_1).strip();
        if (body.equals("--" + boundary + "--")) return true;
        throw new HttpResponseException(400, message(400), Map.of());
    }

    private static String boundary(String contentType) {
        for (String part : contentType.split(";")) {
            String p = part.strip();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = p.substring("boundary=".length());
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) b = b.substring(1, b.length() - 1);
                return b.isEmpty() ? null : b;
            }
        }
        return null;
    }

    private static HttpResponseException tooLarge() {
        return new HttpResponseException(413, message(413), Map.of());
    }

    /**
     * Whatever went wrong while parsing a body is the client's doing. The container says how in
     * the status of its exceptions (Jetty's {@link HttpException}s, Javalin's
     * {@link HttpResponseException}): a 413 anywhere in the chain wins (Jetty wraps a failed read
     * of multipart content in its own "400: bad multipart"), else the first 4xx, else 400.
     */
    static int statusFor(Throwable e) {
        int status = 400;
        boolean found = false;
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            int code = t instanceof HttpException http ? http.getCode()
                    : t instanceof HttpResponseException response ? response.getStatus() : 0;
            if (code == 413) return 413;
            if (!found && code >= 400 && code < 500) {
                status = code;
                found = true;
            }
        }
        return status;
    }

    private static String message(int status) {
        return status == 413 ? "Request body is too large" : "Malformed request body";
    }

    private static boolean expectsContinue(Context ctx) {
        String expect = ctx.header("Expect");
        return expect != null && expect.trim().equalsIgnoreCase("100-continue");
    }

    private static boolean isUrlEncoded(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    private static void requireKnownCharset(String contentType) {
        if (contentType == null) return;
        for (String part : contentType.split(";")) {
            String p = part.trim();
            if (!p.toLowerCase(Locale.ROOT).startsWith("charset=")) continue;
            String name = p.substring("charset=".length()).replace("\"", "").trim();
            boolean known;
            try {
                known = Charset.isSupported(name);
            } catch (IllegalArgumentException e) {
                known = false;
            }
            if (!known) throw new HttpResponseException(400, "Unsupported charset in Content-Type", Map.of());
        }
    }

    /**
     * Reads (and drops) up to 8 MiB of a refused body, so a client still sending it receives
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
