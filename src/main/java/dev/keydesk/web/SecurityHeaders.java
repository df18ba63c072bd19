package dev.keydesk.web;

import io.javalin.http.Context;

/**
 * Headers every response carries. Pages are never cached, since many of them show a key. When
 * people reach Keydesk over HTTPS, browsers are told to use nothing else for a year (HSTS).
 */
public final class SecurityHeaders {
    static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'");
    static final String STRICT_TRANSPORT_SECURITY = "max-age=31536000";

    private final boolean https;

    /** {@code https}: the external URL is https://, so every visit comes over TLS (perhaps ended at a proxy). */
    public SecurityHeaders(boolean https) {
        this.https = https;
    }

    public void apply(Context ctx) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("Cache-Control", ctx.path().startsWith("/static/") ? "public, max-age=3600" : "no-store");
        if (https) ctx.header("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
    }
}
