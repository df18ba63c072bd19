package dev.keydesk.web;

import io.javalin.http.Context;
import java.util.Set;

/**
 * What the shared page layout needs: the title, who is signed in, the form token, a notice, and
 * the organization's name for the header ({@code null} when unknown: before setup, or while the
 * database is unreachable); {@code setupPending} only when there is certainly no organization yet.
 */
public record Layout(String title, Viewer viewer, String csrfToken, String flash, String path, String organization,
                     boolean setupPending) {
    private static final String ORGANIZATION_ATTR = "keydesk.organization";
    private static final String SETUP_PENDING_ATTR = "keydesk.setup-pending";
    /** Pages whose tables need the whole width of the window rather than a column of text. */
    private static final Set<String> WIDE_SECTIONS = Set.of("/keys", "/users", "/audit-log", "/services", "/bots");

    /** The layout of the page being answered; takes the pending notice, if any. */
    public static Layout of(Context ctx, String title) {
        return withNotice(ctx, title, Flash.take(ctx));
    }

    /** The same with a notice the route has already taken and worded (one that names whom it is about). */
    public static Layout withNotice(Context ctx, String title, String notice) {
        return new Layout(title, Viewer.of(ctx), Csrf.token(ctx), notice, ctx.path(), ctx.attribute(ORGANIZATION_ATTR),
                Boolean.TRUE.equals(ctx.attribute(SETUP_PENDING_ATTR)));
    }

    /** Set before the route runs, from the organization's name in memory: its name, or null when there is none yet. */
    public static void setOrganization(Context ctx, String name) {
        ctx.attribute(ORGANIZATION_ATTR, name);
        ctx.attribute(SETUP_PENDING_ATTR, name == null);
    }

    /** "page" for the navigation link of the section being shown, so it is marked as current. */
    public String current(String section) {
        return path != null && (path.equals(section) || path.startsWith(section + "/")) ? "page" : null;
    }

    /** True on the list pages, which get the window's width. */
    public boolean wide() {
        return path != null && WIDE_SECTIONS.contains(path);
    }
}
