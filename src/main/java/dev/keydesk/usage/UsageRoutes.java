package dev.keydesk.usage;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.ApiError;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.api.PathIds;
import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.apikey.KeyUseCounter;
import dev.keydesk.apikey.KeyUseOutcome;
import dev.keydesk.db.PageRead;
import dev.keydesk.web.Layout;
import dev.keydesk.web.Moment;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Key usage: the administrators' Usage page with its CSV, and {@code GET /api/v1/keys/{key_id}/usage}
 * for administrators and the key's holders. Reads only; blocking a key is the Keys console's action.
 */
public final class UsageRoutes {
    static final String PAGE = "/usage";
    static final String CSV = "/usage.csv";
    private static final String TITLE = "Usage";
    private static final String NO_SUCH_KEY = "No such key";

    private final Jdbi jdbi;
    private final UsageQueries queries;
    private final Clock clock;

    public UsageRoutes(Jdbi jdbi, UsageQueries queries, Clock clock) {
        this.jdbi = jdbi;
        this.queries = queries;
        this.clock = clock;
    }

    public void register(RoutesConfig routes) {
        routes.get(PAGE, this::page, RouteAccess.ADMIN);
        routes.get(CSV, this::csv, RouteAccess.ADMIN);
        routes.get("/api/v1/keys/{key_id}/usage", this::keyUsage, RouteAccess.API_KEY);
    }

    private void page(Context ctx) {
        Instant now = clock.instant();
        UsagePage page = PageRead.of(jdbi, () -> {
            List<UsageQueries.Day> days = queries.organizationDays(now);
            List<UsagePage.Service> services = queries.byService(now).stream()
                    .map(s -> new UsagePage.Service(serviceName(s.serviceId(), s.name()), s)).toList();
            List<UsagePage.Refused> refused = queries.mostRefused(now).stream().map(UsageRoutes::refused).toList();
            List<UsageQueries.UnusedKey> unusedKeys = queries.unusedBotKeys(now);
            List<UsagePage.Unused> unused = unusedKeys.stream().map(k -> new UsagePage.Unused(k.fullName(), k.email(),
                    Moment.of(k.createdAt(), now, ""), Moment.of(k.lastUsedAt(), now, "Never"),
                    "/keys/" + k.botId() + "/block")).toList();
            return new UsagePage(Layout.of(ctx, TITLE), UsageChart.of(days), days, services, refused, unused,
                    unusedKeys.size() >= UsageQueries.UNUSED_LISTED);
        });
        ctx.render("usage.jte", Map.of("page", page));
    }

    private static String serviceName(long serviceId, String name) {
        return UsageQueries.serviceName(serviceId, name);
    }

    private static UsagePage.Refused refused(UsageQueries.RefusedKey k) {
        String holder = k.fullName() == null ? "Deleted key #" + k.keyId() : k.fullName();
        String kind = k.kind() == null ? "" : k.bot() ? "bot key" : switch (k.kind()) {
            case "device" -> "device key";
            case "retiring" -> "old key in its grace period";
            default -> "main key";
        };
        String href = k.bot() && k.userId() != null ? "/bots/" + k.userId() : null;
        long percent = k.total() == 0 ? 0 : Math.round(100.0 * k.refused() / k.total());
        return new UsagePage.Refused(holder, k.email() == null ? "" : k.email(), kind, href, k.refused(), k.total(),
                percent + " %");
    }

    /** The page's table: requests per day by outcome. Every field is a date or a number, so nothing needs quoting. */
    private void csv(Context ctx) {
        List<UsageQueries.Day> days = PageRead.of(jdbi, () -> queries.organizationDays(clock.instant()));
        StringBuilder out = new StringBuilder("day");
        for (KeyUseOutcome outcome : KeyUseOutcome.values()) out.append(',').append(outcome.dbName());
        out.append(",total\r\n");
        for (UsageQueries.Day day : days) {
            out.append(day.day());
            for (KeyUseOutcome outcome : KeyUseOutcome.values()) out.append(',').append(day.get(outcome));
            out.append(',').append(day.total()).append("\r\n");
        }
        ctx.header("Content-Disposition", "attachment; filename=\"keydesk-usage-" + LocalDate.ofInstant(clock.instant(),
                ZoneOffset.UTC) + ".csv\"");
        ctx.contentType("text/csv; charset=utf-8").result(out.toString());
    }

    /**
     * One key's series. A key that does not exist and one the caller may not see get the same
     * answer, so the endpoint does not tell which ids exist.
     */
    private void keyUsage(Context ctx) {
        ApiRequest req = ApiRequest.of(ctx);
        long keyId = PathIds.parse(ctx.pathParam("key_id"), NO_SUCH_KEY);
        if (!queries.mayRead(ApiAuth.caller(ctx), keyId)) throw ApiError.badRequest(NO_SUCH_KEY);
        UsageQueries.KeySeries series = queries.keySeries(keyId, clock.instant());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key_id", keyId);
        body.put("days", points(series.days(), series.serviceNames(), "day"));
        body.put("hours", points(series.hours(), series.serviceNames(), "hour"));
        ctx.json(req.success(body));
    }

    private static List<Map<String, Object>> points(List<UsageQueries.Point> points, Map<Long, String> names, String unit) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (UsageQueries.Point p : points) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put(unit, unit.equals("day") ? LocalDate.ofInstant(p.at(), ZoneOffset.UTC).toString() : p.at().toString());
            boolean api = p.serviceId() == KeyUseCounter.OWN_API;
            point.put("service_id", api ? null : p.serviceId());
            point.put("service", api ? "api" : names.get(p.serviceId()));
            point.put("outcome", p.outcome().dbName());
            point.put("count", p.count());
            out.add(point);
        }
        return out;
    }
}
