package dev.keydesk.apikey;

/** What the API path needs to know about the owner of a presented key. */
public record KeyOwner(long userId, String email, boolean isActive) {}
