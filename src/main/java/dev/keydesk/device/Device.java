package dev.keydesk.device;

import java.time.Instant;

/**
 * A client that fetched a key of its own through fetch_api_key: its name, its User-Agent, the
 * address it fetched from, when the key was issued and when it last authenticated a request
 * (null before its first use).
 */
public record Device(long id, String client, String userAgent, String ip, Instant issuedAt, Instant lastUsedAt) {}
