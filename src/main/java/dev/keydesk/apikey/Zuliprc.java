package dev.keydesk.apikey;

import io.javalin.http.Context;

/** The INI file that Zulip clients read their credentials from. */
public final class Zuliprc {
    private Zuliprc() {}

    /** {@code token} is only for outgoing webhook bots; pass null otherwise. */
    public static String render(String email, String apiKey, String site, String token) {
        StringBuilder out = new StringBuilder("[api]\n")
                .append("email=").append(email).append('\n')
                .append("key=").append(apiKey).append('\n')
                .append("site=").append(site).append('\n');
        if (token != null) out.append("token=").append(token).append('\n');
        return out.toString();
    }

    /** Sends the file as a download that no cache may keep. */
    public static void send(Context ctx, String content) {
        ctx.header("Content-Disposition", "attachment; filename=\"zuliprc\"");
        ctx.header("Cache-Control", "no-store");
        ctx.contentType("text/plain; charset=utf-8");
        ctx.result(content);
    }
}
