package dev.keydesk.guard;

/** A service that admits chosen accounts, as a checkbox in the Keys console's dialogs. */
public record ServiceChoice(long id, String name, boolean checked) {}
