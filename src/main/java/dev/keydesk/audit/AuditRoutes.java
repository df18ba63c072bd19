package dev.keydesk.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.web.Dates;
import dev.keydesk.web.Layout;
import dev.keydesk.db.LikePattern;
import dev.keydesk.web.Paging;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;

    public AuditRoutes(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public void register(RoutesConfig routes) {
        routes.get("/audit-log", this::list);
    }

    private void list(Context ctx) {
        WebSession.requireAdmin(ctx);
        String event = Arrays.stream(AuditEvent.values()).map(AuditEvent::dbName)
                .filter(name -> name.equals(ctx.queryParam("event"))).findFirst().orElse("");
        String actor = trimmed(ctx.queryParam("actor"));
        String target = trimmed(ctx.queryParam("target"));
        String actorPattern = LikePattern.contains(actor);
        String targetPattern = LikePattern.contains(target);
        long total = jdbi.withExtension(AuditDao.class, dao -> dao.count(event, actorPattern, targetPattern));
        Paging paging = Paging.of(ctx.queryParam("page"), total, PAGE_SIZE);
        int page = paging.page();
        List<AuditPage.Row> rows = jdbi.withExtension(AuditDao.class,
                        dao -> dao.search(event, actorPattern, targetPattern, PAGE_SIZE, paging.offset()))
                .stream()
                .map(e -> new AuditPage.Row(Dates.second(e.createdAt()), e.eventType().replace('_', ' '),
                        orDash(e.actorLabel()), target(e), orDash(e.ip()), e.details()))
                .toList();
        List<AuditPage.Choice> events = new ArrayList<>();
        events.add(new AuditPage.Choice("", "All events", event.isEmpty()));
        for (AuditEvent e : AuditEvent.values()) {
            events.add(new AuditPage.Choice(e.dbName(), e.dbName().replace('_', ' '), e.dbName().equals(event)));
        }
        AuditPage view = new AuditPage(Layout.of(ctx, "Audit log"), rows, events, actor, target, total, page,
                paging.totalPages(), paging.hasPrevious() ? href(event, actor, target, page - 1) : null,
                paging.hasNext() ? href(event, actor, target, page + 1) : null);
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

    private static String href(String event, String actor, String target, int page) {
        return "/audit-log?event=" + enc(event) + "&actor=" + enc(actor) + "&target=" + enc(target) + "&page=" + page;
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
