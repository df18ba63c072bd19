package dev.keydesk.keyconsole;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** What the bulk form of the Keys list can do to the ticked keys, and how its question explains it. */
enum KeyBulkAction {
    BLOCK("Block", KeyResult.Outcome.BLOCKED, "They authenticate nothing until they are unblocked; their values stay the same."),
    UNBLOCK("Unblock", KeyResult.Outcome.UNBLOCKED, "They work again with the values they had."),
    DELETE("Delete", KeyResult.Outcome.DELETED, "The bots and their keys are removed for good; this cannot be undone.");

    /** At most a page and then some: the bulk form only ever sends the ticked rows of one page. */
    static final int MAX_KEYS = 100;

    final String label;
    final KeyResult.Outcome outcome;
    final String explanation;

    KeyBulkAction(String label, KeyResult.Outcome outcome, String explanation) {
        this.label = label;
        this.outcome = outcome;
        this.explanation = explanation;
    }

    /** The action a form's {@code action} field names ("block", "unblock", "delete"). */
    static Optional<KeyBulkAction> of(String field) {
        return Arrays.stream(values()).filter(a -> a.name().toLowerCase(Locale.ROOT).equals(field)).findFirst();
    }
}
