package dev.keydesk.audit;

import java.time.Instant;

/** One audit row as the Audit log page shows it. */
public record AuditEntry(long id, String eventType, String actorLabel, String targetLabel, String ip, String details,
                         Instant createdAt) {}
