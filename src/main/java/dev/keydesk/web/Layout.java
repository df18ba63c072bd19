package dev.keydesk.web;

import io.javalin.http.Context;

/** What the shared page layout needs: the title, who is signed in, the form token and a notice. */
public record Layout(String title, Viewer viewer, String csrfToken, String flash, String path) {
    /** The layout of the page being answered; takes the pending notice, if any. */
    public static Layout of(Context ctx, String title) {
        return new Layout(title, Viewer.of(ctx), Csrf.token(ctx), Flash.take(ctx), ctx.path());
    }

    /** "page" for the navigation link of the section being shown, so it is marked as current. */
    public String current(String section) {
        return path != null && (path.equals(section) || path.startsWith(section + "/")) ? "page" : null;
    }
}
