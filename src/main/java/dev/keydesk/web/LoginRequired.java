package dev.keydesk.web;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Thrown when a page needs a signed-in user; answered with a redirect to the login page. */
public final class LoginRequired extends RuntimeException {
    public LoginRequired() {
        super(null, null, false, false);
    }

    static void redirect(Context ctx) {
        // The query is kept: a device's sign-in link carries its code there (/device?user_code=…).
        String query = ctx.queryString();
        String next = ctx.method().name().equals("GET") ? ctx.path() + (query == null ? "" : "?" + query) : "/account";
        ctx.redirect("/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8), HttpStatus.SEE_OTHER);
    }
}
