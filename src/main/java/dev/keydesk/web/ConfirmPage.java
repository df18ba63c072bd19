package dev.keydesk.web;

import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/**
 * A question asked before a destructive action when JavaScript (and so the dialog) is not there.
 * {@code fields} go back with the answer as hidden fields: what the action needs besides
 * {@code confirmed=yes} (the chosen rows, where to return afterwards).
 */
public record ConfirmPage(Layout layout, String question, String explanation, String action, String confirmLabel,
                          String cancelHref, List<Field> fields) {

    /** A hidden field of the confirming form. */
    public record Field(String name, String value) {}

    /** Renders the question; the confirm button posts {@code confirmed=yes} back to {@code action}. */
    public static void show(Context ctx, String title, String question, String explanation, String action,
                            String confirmLabel, String cancelHref) {
        show(ctx, title, question, explanation, action, confirmLabel, cancelHref, List.of());
    }

    /** The same, for an action on a list row: the answer carries {@code back}, which is also where Cancel leads. */
    public static void showReturning(Context ctx, String title, String question, String explanation, String action,
                                     String confirmLabel, String back) {
        show(ctx, title, question, explanation, action, confirmLabel, back, List.of(new Field("back", back)));
    }

    /** The same, posting {@code fields} along with the answer. */
    public static void show(Context ctx, String title, String question, String explanation, String action,
                            String confirmLabel, String cancelHref, List<Field> fields) {
        ConfirmPage page = new ConfirmPage(Layout.of(ctx, title), question, explanation, action, confirmLabel,
                cancelHref, fields);
        ctx.render("confirm.jte", Map.of("page", page));
    }
}
