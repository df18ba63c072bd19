package dev.keydesk.web;

/** A question asked before a destructive action when JavaScript (and so the dialog) is not there. */
public record ConfirmPage(Layout layout, String question, String explanation, String action, String confirmLabel,
                          String cancelHref) {}
