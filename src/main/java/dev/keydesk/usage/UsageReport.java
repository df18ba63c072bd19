package dev.keydesk.usage;

import dev.keydesk.apikey.KeyUseOutcome;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * One key's (or one bot's, or one device's) last {@link UsageQueries#DAYS} days for a page: the
 * chart with its table, the requests by service and the busiest hours. {@link #EMPTY} when nothing
 * was asked of the key in the period, which the page says in words instead of an empty chart.
 */
public record UsageReport(UsageChart chart, List<UsageQueries.Day> days, List<UsagePage.Service> services,
                          List<Busy> busiest, long total) {
    public static final UsageReport EMPTY = new UsageReport(null, List.of(), List.of(), List.of(), 0);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HOUR_END = DateTimeFormatter.ofPattern("HH:mm", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    /** One of the busiest hours: when (in words, UTC, and as ISO for a time element) and how many requests. */
    public record Busy(String text, String iso, long count) {}

    static UsageReport of(List<UsageQueries.Day> days, List<UsageQueries.ServiceTotals> services,
                          List<UsageQueries.HourCount> busiest) {
        long total = days.stream().mapToLong(UsageQueries.Day::total).sum();
        if (total == 0) return EMPTY;
        return new UsageReport(UsageChart.of(days), days,
                services.stream().map(s -> new UsagePage.Service(UsageQueries.serviceName(s.serviceId(), s.name()), s)).toList(),
                busiest.stream().map(UsageReport::busy).toList(), total);
    }

    private static Busy busy(UsageQueries.HourCount h) {
        Instant end = h.hour().plusSeconds(3600);
        return new Busy(HOUR.format(h.hour()) + "–" + HOUR_END.format(end) + " UTC", h.hour().toString(), h.count());
    }

    /** Whether the key was used at all in the period. */
    public boolean used() {
        return total > 0;
    }

    public List<KeyUseOutcome> outcomes() {
        return List.of(KeyUseOutcome.values());
    }

    public String words(KeyUseOutcome outcome) {
        return UsageChart.words(outcome);
    }

    public String number(long n) {
        return UsageChart.number(n);
    }

    /** "1 request" or "1,234 requests". */
    public String requests(long n) {
        return number(n) + (n == 1 ? " request" : " requests");
    }
}
