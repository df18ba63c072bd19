package dev.keydesk.web;

import dev.keydesk.api.ApiRequest;
import dev.keydesk.security.Tokens;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

/**
 * Every state-changing page request must carry the form token of its session (or, before
 * sign-in, the one in the visitor's cookie). The API has its own guard ({@code CrossSiteGuard}).
 */
public final class Csrf {
    public static final String FIELD = "csrf_token";
    private static final String HEADER = "X-CSRF-Token";
    private static final String ATTR = "keydesk.csrf";

    private Csrf() {}

    public static void verify(Context ctx) {
        HandlerType method = ctx.method();
        if (method == HandlerType.GET || method == HandlerType.HEAD || method == HandlerType.OPTIONS) return;
        String expected = token(ctx);
        String presented = ctx.header(HEADER);
        if (presented == null && ApiRequest.hasFormParts(ctx)) presented = ctx.formParam(FIELD);
        if (!Tokens.constantTimeEquals(expected, presented)) {
            throw new WebError(403,
                    "This form has expired or did not come from Keydesk. Go back, reload the page and try again.");
        }
    }

    /** Set by the session loader: the token this visitor's forms must carry. */
    public static void setToken(Context ctx, String token) {
        ctx.attribute(ATTR, token);
    }

    public static String token(Context ctx) {
        return ctx.attribute(ATTR);
    }
}
