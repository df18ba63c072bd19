package dev.keydesk.web;

import io.javalin.http.Context;

/** Who is signed in, as far as the shared layout needs to know: their name and which links to show (admins', owners'). */
public record Viewer(String fullName, boolean isAdmin, boolean isOwner) {
    private static final String ATTR = "keydesk.viewer";

    /** Set by the session loader before the route runs. */
    public static void set(Context ctx, Viewer viewer) {
        ctx.attribute(ATTR, viewer);
    }

    /** The signed-in person, or null for a visitor. */
    public static Viewer of(Context ctx) {
        return ctx.attribute(ATTR);
    }
}
