package dev.keydesk.web;

import io.javalin.http.Context;
import java.util.Map;

/**
 * A question asked before a destructive action when JavaScript (and so the dialog) is not there.
 * {@code back}, when set, is posted along with the answer, so the action returns to the list as
 * it was (its search and page).
 */
public record ConfirmPage(Layout layout, String question, String explanation, String action, String confirmLabel,
                          String cancelHref, String back) {

    /** Renders the question; the confirm button posts {@code confirmed=yes} back to {@code action}. */
    public static void show(Context ctx, String title, String question, String explanation, String action,
                            String confirmLabel, String cancelHref) {
        render(ctx, new ConfirmPage(Layout.of(ctx, title), question, explanation, action, confirmLabel, cancelHref, null));
    }

    /** The same, for an action on a list row: the answer carries {@code back}, which is also where Cancel leads. */
    public static void showReturning(Context ctx, String title, String question, String explanation, String action,
                                     String confirmLabel, String back) {
        render(ctx, new ConfirmPage(Layout.of(ctx, title), question, explanation, action, confirmLabel, back, back));
    }

    private static void render(Context ctx, ConfirmPage page) {
        ctx.render("confirm.jte", Map.of("page", page));
    }
}
