package dev.keydesk.api;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.URI;

/**
 * The API takes no CSRF token: its clients are programs that send HTTP Basic credentials.
 * Browsers, though, may replay Basic credentials a person once typed into their login prompt,
 * so a state-changing API request that a browser marks as coming from another site is refused.
 */
public final class CrossSiteGuard {
    private final String ownOrigin;

    public CrossSiteGuard(URI externalUrl) {
        this.ownOrigin = origin(externalUrl);
    }

    public void check(Context ctx) {
        HandlerType method = ctx.method();
        if (method == HandlerType.GET || method == HandlerType.HEAD || method == HandlerType.OPTIONS) return;
        String fetchSite = ctx.header("Sec-Fetch-Site");
        boolean crossSite = "cross-site".equalsIgnoreCase(fetchSite) || "same-site".equalsIgnoreCase(fetchSite);
        String origin = ctx.header("Origin");
        boolean foreignOrigin = origin != null && !origin.equals("null") && !origin.equalsIgnoreCase(ownOrigin);
        if (crossSite || foreignOrigin || "null".equals(origin)) {
            throw new ApiError(403, "BAD_REQUEST", "Cross-site API requests are not accepted");
        }
    }

    private static String origin(URI url) {
        int port = url.getPort();
        return url.getScheme().toLowerCase() + "://" + url.getHost().toLowerCase() + (port > 0 ? ":" + port : "");
    }
}
