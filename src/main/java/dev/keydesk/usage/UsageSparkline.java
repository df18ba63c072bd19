package dev.keydesk.usage;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A tiny bar chart of an account's requests per day over {@link UsageQueries#DAYS} days, for a
 * list row: each day's bar shows the refused part on top of the allowed part. {@code text} says the
 * same in words and is the chart's accessible name; a key with no use has no bars, only the words.
 */
public record UsageSparkline(String text, List<Bar> bars, long total, long refused) {
    public static final int WIDTH = 90;
    public static final int HEIGHT = 18;
    private static final double SLOT = (double) WIDTH / UsageQueries.DAYS;

    /** One day: the allowed part from the bottom, the refused part above it. */
    public record Bar(double x, double width, double allowedY, double allowedHeight, double refusedY, double refusedHeight) {}

    /** A day's requests, all of them and the refused ones. */
    public record DayCount(long total, long refused) {}

    /** Under the "Last 30 days" heading, which says over what time. */
    public static final UsageSparkline NONE = new UsageSparkline("No requests", List.of(), 0, 0);

    /** The sparkline of these days (absent days had no request), the first being {@code firstDay}. */
    static UsageSparkline of(LocalDate firstDay, Map<LocalDate, DayCount> days) {
        long total = days.values().stream().mapToLong(DayCount::total).sum();
        if (total == 0) return NONE;
        long refused = days.values().stream().mapToLong(DayCount::refused).sum();
        long max = days.values().stream().mapToLong(DayCount::total).max().orElse(1);
        List<Bar> bars = new ArrayList<>();
        for (int i = 0; i < UsageQueries.DAYS; i++) {
            DayCount day = days.get(firstDay.plusDays(i));
            if (day == null || day.total() == 0) continue;
            // A day with any request stays visible, however busy the busiest.
            double height = Math.max(1, HEIGHT * (double) day.total() / max);
            double refusedHeight = day.refused() == 0 ? 0 : Math.max(1, height * day.refused() / day.total());
            double x = round(i * SLOT);
            double w = round(Math.max(1, SLOT - 1));
            bars.add(new Bar(x, w, round(HEIGHT - height + refusedHeight), round(height - refusedHeight),
                    round(HEIGHT - height), round(refusedHeight)));
        }
        return new UsageSparkline(text(total, refused), bars, total, refused);
    }

    /** "1,234 requests in 30 days, 3 % refused". */
    static String text(long total, long refused) {
        String share;
        if (refused == 0) share = "none refused";
        else {
            long percent = Math.round(100.0 * refused / total);
            share = percent == 0 ? "under 1 % refused" : percent + " % refused";
        }
        return UsageChart.number(total) + (total == 1 ? " request" : " requests") + " in " + UsageQueries.DAYS + " days, " + share;
    }

    public boolean used() {
        return total > 0;
    }

    public int width() {
        return WIDTH;
    }

    public int height() {
        return HEIGHT;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
