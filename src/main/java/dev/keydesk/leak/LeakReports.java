package dev.keydesk.leak;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.apikey.LeakNotice;
import dev.keydesk.audit.Actor;
import dev.keydesk.outbox.Deliverer;
import dev.keydesk.outbox.DeliveryFailure;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.outbox.OutboxItem;
import dev.keydesk.security.Tokens;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Reported keys, from the report endpoint to their revocation. The endpoint only queues the
 * digests of the strings that pass the key format's checksum (one outbox item, the same work
 * whatever they are), so its answer cannot tell a live key from a dead one; the outbox's sender
 * then hands each digest to {@link ApiKeyActions#revokeLeaked}, in whichever process claims the
 * item first, within moments. A key itself is never stored: the payload holds digests.
 */
public final class LeakReports implements Deliverer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final Outbox outbox;
    private final ApiKeyActions apiKeys;

    public LeakReports(Jdbi jdbi, Outbox outbox, ApiKeyActions apiKeys) {
        this.jdbi = jdbi;
        this.outbox = outbox;
        this.apiKeys = apiKeys;
    }

    /** Queues the reported strings that could be keys; the others cannot be, and are dropped. */
    void queue(List<String> reported, LeakNotice where, String reporterIp) {
        List<String> digests = reported.stream().filter(ApiKeyFormat::isWellFormed).distinct()
                .map(key -> HexFormat.of().formatHex(Tokens.sha256(key))).toList();
        if (digests.isEmpty()) return;
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("digests", digests);
        payload.put("url", where.url());
        payload.put("source", where.source());
        payload.put("ip", reporterIp);
        jdbi.useTransaction(h -> outbox.leakReport(h, Outbox.toJson(payload)));
    }

    /**
     * Revokes each reported key that is current. Each key has its own transaction, and
     * {@code revokeLeaked} replaces a key only while it is current, so a report handled again
     * (after a failure part-way) replaces nothing twice.
     */
    @Override
    public void deliver(OutboxItem item) {
        JsonNode report;
        try {
            report = JSON.readTree(item.payload());
        } catch (JsonProcessingException e) {
            throw new DeliveryFailure("Unreadable leak report: " + e.getOriginalMessage(), true);
        }
        LeakNotice where = new LeakNotice(text(report, "url"), text(report, "source"));
        Actor reporter = Actor.leakReport(text(report, "ip"));
        List<byte[]> digests = new ArrayList<>();
        for (JsonNode digest : report.path("digests")) digests.add(HexFormat.of().parseHex(digest.asText()));
        for (byte[] digest : digests) apiKeys.revokeLeaked(reporter, digest, where);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
