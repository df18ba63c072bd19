package dev.keydesk.usage;

import dev.keydesk.apikey.KeyUseOutcome;
import java.text.NumberFormat;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A stacked bar chart of requests per day, laid out here and drawn as SVG by the template: no
 * script and no chart library, so it prints and works without JavaScript. Each outcome has a
 * colour and, for the refusals, a pattern, so no reader depends on telling colours apart; the
 * chart's summary is its text alternative and the table beside it holds every number.
 */
public record UsageChart(int width, int height, int left, List<Bar> bars, List<Tick> ticks, List<Label> labels, String summary,
                         List<Legend> legend) {
    static final int WIDTH = 720;
    static final int HEIGHT = 260;
    /** The least room left of the plot for the grid's values; larger values widen it. */
    static final int LEFT = 56;
    /** About the width of a digit or comma of the axis' 13 px text, and the gap between a value and the plot. */
    private static final double CHARACTER_WIDTH = 8;
    private static final int LABEL_GAP = 6;
    static final int RIGHT = 8;
    static final int TOP = 12;
    static final int BOTTOM = 28;
    private static final DateTimeFormatter SHORT_DAY = DateTimeFormatter.ofPattern("MMM d", Locale.ENGLISH);

    /** One segment of a bar: an outcome's share of a day. */
    public record Segment(double x, double y, double width, double height, String outcome, boolean patterned, String title) {}

    public record Bar(List<Segment> segments) {}

    /** A horizontal grid line with its value. */
    public record Tick(double y, String value) {}

    /** A day named under the axis. */
    public record Label(double x, String text) {}

    /** An outcome as the legend shows it: its CSS name, its words and whether it carries a pattern. */
    public record Legend(String outcome, String words, boolean patterned) {}

    /** The words for each outcome, on the page and in the chart's summary. */
    public static String words(KeyUseOutcome outcome) {
        return switch (outcome) {
            case ALLOWED -> "allowed";
            case INVALID -> "invalid key";
            case DEACTIVATED -> "blocked or deactivated";
            case FORBIDDEN -> "forbidden";
            case RATE_LIMITED -> "rate-limited";
            case EXPIRED -> "expired";
        };
    }

    /** The outcome's name in CSS classes and pattern ids. */
    /** Where the grid's values end, just left of the plot. */
    public int valuesEnd() {
        return left - LABEL_GAP;
    }

    public static String cssName(KeyUseOutcome outcome) {
        return outcome.dbName().replace('_', '-');
    }

    public static UsageChart of(List<UsageQueries.Day> days) {
        long max = days.stream().mapToLong(UsageQueries.Day::total).max().orElse(0);
        long top = niceCeiling(max);
        // The top value is the grid's longest: the plot starts where it fits.
        int left = Math.max(LEFT, (int) Math.ceil(number(top).length() * CHARACTER_WIDTH) + 2 * LABEL_GAP);
        double plotWidth = WIDTH - left - RIGHT;
        double plotHeight = HEIGHT - TOP - BOTTOM;
        double slot = plotWidth / Math.max(1, days.size());
        double barWidth = Math.max(1, slot * 0.7);
        List<Bar> bars = new ArrayList<>();
        List<Label> labels = new ArrayList<>();
        for (int i = 0; i < days.size(); i++) {
            UsageQueries.Day day = days.get(i);
            double x = left + i * slot + (slot - barWidth) / 2;
            double base = TOP + plotHeight;
            List<Segment> segments = new ArrayList<>();
            for (KeyUseOutcome outcome : KeyUseOutcome.values()) {
                long n = day.get(outcome);
                if (n == 0) continue;
                double h = plotHeight * n / top;
                base -= h;
                segments.add(new Segment(round(x), round(base), round(barWidth), round(h), cssName(outcome), outcome.refused(),
                        SHORT_DAY.format(day.day()) + ": " + number(n) + " " + words(outcome)));
            }
            bars.add(new Bar(segments));
            // Every fifth day and the last one, so the labels never overlap.
            if (i % 5 == 0 || i == days.size() - 1) labels.add(new Label(round(x + barWidth / 2), SHORT_DAY.format(day.day())));
        }
        List<Tick> ticks = new ArrayList<>();
        for (int step = 0; step <= 4; step++) {
            long value = top * step / 4;
            ticks.add(new Tick(round(TOP + plotHeight - plotHeight * step / 4), number(value)));
        }
        List<Legend> legend = new ArrayList<>();
        for (KeyUseOutcome outcome : KeyUseOutcome.values()) legend.add(new Legend(cssName(outcome), words(outcome), outcome.refused()));
        return new UsageChart(WIDTH, HEIGHT, left, bars, ticks, labels, summary(days), legend);
    }

    /** The chart in words: the period, the totals by outcome and the busiest day. */
    static String summary(List<UsageQueries.Day> days) {
        if (days.isEmpty()) return "No days to show.";
        long total = days.stream().mapToLong(UsageQueries.Day::total).sum();
        String period = "Requests per day from " + SHORT_DAY.format(days.get(0).day()) + " to "
                + SHORT_DAY.format(days.get(days.size() - 1).day()) + ", stacked by outcome: ";
        if (total == 0) return period + "no requests.";
        List<String> parts = new ArrayList<>();
        for (KeyUseOutcome outcome : KeyUseOutcome.values()) {
            long n = days.stream().mapToLong(d -> d.get(outcome)).sum();
            if (n > 0) parts.add(number(n) + " " + words(outcome));
        }
        UsageQueries.Day busiest = days.stream().max((a, b) -> Long.compare(a.total(), b.total())).orElseThrow();
        return period + number(total) + " in all (" + String.join(", ", parts) + "); the busiest day was "
                + SHORT_DAY.format(busiest.day()) + " with " + number(busiest.total()) + ".";
    }

    /** Four grid steps of 1, 2, 2.5 or 5 times a power of ten reaching at least {@code max}: lines fall on round numbers. */
    static long niceCeiling(long max) {
        long need = Math.max(1, (max + 3) / 4);
        long power = 1;
        while (true) {
            // 2.5 only from 10 on, where it is still a whole number.
            long[] steps = power >= 10 ? new long[] {power, 2 * power, 5 * power / 2, 5 * power} : new long[] {power, 2 * power, 5 * power};
            for (long step : steps) {
                if (step >= need) return 4 * step;
            }
            power *= 10;
        }
    }

    public static String number(long n) {
        return NumberFormat.getIntegerInstance(Locale.ENGLISH).format(n);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** The day as the table's first column shows it. */
    public static String isoDay(LocalDate day) {
        return day.toString();
    }
}
