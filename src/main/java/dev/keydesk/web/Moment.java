package dev.keydesk.web;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A moment as a page shows it: how long ago, in words ("3 hours ago"), with the exact time for
 * the {@code <time>} element's {@code datetime} and hover title. Worked out on the server, so it
 * reads the same without JavaScript. {@code iso} is null when there is no moment ({@code text}
 * then says so, "Never").
 */
public record Moment(String iso, String exact, String text) {
    private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_INSTANT;

    public static Moment of(Instant when, Instant now, String never) {
        if (when == null) return new Moment(null, null, never);
        return new Moment(ISO.format(when.atOffset(ZoneOffset.UTC)), Dates.minute(when, ""), relative(when, now));
    }

    /** "just now", "5 minutes ago", "yesterday", "in 3 days", … and past a month the date itself. */
    static String relative(Instant when, Instant now) {
        Duration gap = Duration.between(when, now);
        boolean future = gap.isNegative();
        long seconds = Math.abs(gap.getSeconds());
        if (seconds < 60) return "just now";
        String amount;
        if (seconds < 3600) amount = plural(seconds / 60, "minute");
        else if (seconds < 86_400) amount = plural(seconds / 3600, "hour");
        else if (seconds < 2 * 86_400 && !future) return "yesterday";
        else if (seconds < 31 * 86_400) amount = plural(seconds / 86_400, "day");
        else return Dates.day(when);
        return future ? "in " + amount : amount + " ago";
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
