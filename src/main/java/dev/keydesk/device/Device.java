package dev.keydesk.device;

import java.time.Instant;

/** A client that obtained an account's key through fetch_api_key. */
public record Device(long id, String client, String userAgent, String ip, Instant firstSeenAt, Instant lastSeenAt) {}
