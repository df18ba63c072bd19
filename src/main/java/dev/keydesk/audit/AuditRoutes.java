package dev.keydesk.audit;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.db.PageRead;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.web.Dates;
import dev.keydesk.web.Layout;
import dev.keydesk.web.Moment;
import dev.keydesk.db.LikePattern;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.KeysetPage;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/** The administrators' Audit log page. The rows hold no secrets: actions never write keys into them. */
public final class AuditRoutes {
    static final int PAGE_SIZE = 50;
    /** A row about many accounts lists this many in the Target column; its details hold them all. */
    private static final int MAX_TARGETS_SHOWN = 10;
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-01-01T00:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final Clock clock;

    public AuditRoutes(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    public void register(RoutesConfig routes) {
        routes.get("/audit-log", this::list, RouteAccess.ADMIN);
    }

    private void list(Context ctx) {
        String event = Arrays.stream(AuditEvent.values()).map(AuditEvent::dbName)
                .filter(name -> name.equals(ctx.queryParam("event"))).findFirst().orElse("");
        String actor = trimmed(ctx.queryParam("actor"));
        String target = trimmed(ctx.queryParam("target"));
        AuditQueries.Filter filter = new AuditQueries.Filter(event, LikePattern.contains(actor), LikePattern.contains(target));
        // One read-only transaction for every read of the page.
        AuditPage view = PageRead.of(jdbi, () -> {
            AuditQueries log = new AuditQueries(jdbi);
            String total = CappedCount.label(log.cappedCount(filter));
            Cursor after = cursor(ctx.queryParam("after"));
            Cursor before = after != null ? null : cursor(ctx.queryParam("before"));
            // "after" reads older entries, "before" newer ones: the log's order is newest first
            KeysetPage<AuditEntry> page = KeysetPage.of(log.source(filter), after, before, PAGE_SIZE);
            List<AuditEntry> entries = page.rows();
            Instant now = clock.instant();
            List<AuditPage.Row> rows = entries.stream()
                    .map(e -> new AuditPage.Row(Moment.of(e.createdAt(), now, ""), Dates.second(e.createdAt()),
                            e.eventType().replace('_', ' '), orDash(e.actorLabel()), target(e), orDash(e.ip()),
                            AuditSentences.of(e.eventType(), e.details()).strip()))
                    .toList();
            String newer = page.hasPrevious() ? href(event, actor, target, "before", cursorOf(entries.get(0))) : null;
            String older = page.hasNext() ? href(event, actor, target, "after", cursorOf(entries.get(entries.size() - 1))) : null;
            List<AuditPage.Choice> events = new ArrayList<>();
            events.add(new AuditPage.Choice("", "All events", event.isEmpty()));
            for (AuditEvent e : AuditEvent.values()) {
                events.add(new AuditPage.Choice(e.dbName(), e.dbName().replace('_', ' '), e.dbName().equals(event)));
            }
            return new AuditPage(Layout.of(ctx, "Audit log"), rows, events, actor, target, total, newer, older);
        });
        ctx.render("audit_log.jte", Map.of("page", view));
    }

    /** The target's address, or for a row about several accounts, how many and which ("3 accounts: a, b, c"). */
    static String target(AuditEntry entry) {
        if (entry.targetLabel() != null && !entry.targetLabel().isEmpty()) return entry.targetLabel();
        List<String> targets = new ArrayList<>();
        try {
            JsonNode list = entry.details() == null ? null : JSON.readTree(entry.details()).get("targets");
            if (list != null && list.isArray()) list.forEach(t -> targets.add(t.asText()));
        } catch (JsonProcessingException e) {
            return "—"; // details are written by AuditLog as JSON; nothing else to show
        }
        if (targets.isEmpty()) return "—";
        int shown = Math.min(targets.size(), MAX_TARGETS_SHOWN);
        String names = String.join(", ", targets.subList(0, shown));
        return targets.size() + " accounts: " + names
                + (targets.size() > shown ? " and " + (targets.size() - shown) + " more" : "");
    }

    private static String href(String event, String actor, String target, String direction, Cursor cursor) {
        return "/audit-log?event=" + enc(event) + "&actor=" + enc(actor) + "&target=" + enc(target)
                + "&" + direction + "=" + cursor.param();
    }

    private static Cursor cursorOf(AuditEntry entry) {
        return new Cursor(entry.createdAt().toString(), entry.id());
    }

    /** A cursor whose key is an instant; anything else is none (the first page). */
    private static Cursor cursor(String raw) {
        Cursor cursor = Cursor.parse(raw).orElse(null);
        if (cursor == null) return null;
        try {
            Instant at = Instant.parse(cursor.key());
            if (at.isBefore(EARLIEST) || !at.isBefore(LATEST)) return null; // beyond what timestamptz reads
            return new Cursor(at.toString(), cursor.id());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String trimmed(String s) {
        if (s == null) return "";
        String t = s.strip();
        return t.length() > 254 ? t.substring(0, 254) : t;
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "—" : s;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
