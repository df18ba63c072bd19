package dev.keydesk.organization;

import java.time.Instant;

public record Organization(String name, Instant createdAt) {}
