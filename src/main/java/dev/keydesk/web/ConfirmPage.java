package dev.keydesk.web;

import io.javalin.http.Context;
import java.util.Map;

/** A question asked before a destructive action when JavaScript (and so the dialog) is not there. */
public record ConfirmPage(Layout layout, String question, String explanation, String action, String confirmLabel,
                          String cancelHref) {

    /** Renders the question; the confirm button posts {@code confirmed=yes} back to {@code action}. */
    public static void show(Context ctx, String title, String question, String explanation, String action,
                            String confirmLabel, String cancelHref) {
        ConfirmPage page = new ConfirmPage(Layout.of(ctx, title), question, explanation, action, confirmLabel, cancelHref);
        ctx.render("confirm.jte", Map.of("page", page));
    }
}
