package dev.keydesk.apikey;

/**
 * Where a reporter says leaked keys were found: a URL and a free-text source, each optional and
 * unverified. Passed on to the owners and the bot's webhook, and kept in the audit log.
 */
public record LeakNotice(String url, String source) {}
