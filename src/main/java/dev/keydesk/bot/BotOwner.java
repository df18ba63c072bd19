package dev.keydesk.bot;

/** A member who manages a bot. */
public record BotOwner(long botId, long userId, String fullName, String email) {}
