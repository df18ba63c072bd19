package dev.keydesk.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How pages write a moment: one style everywhere, in UTC, said so. */
public final class Dates {
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("d MMM yyyy HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("d MMM yyyy HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMM yyyy").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private Dates() {}

    /** "3 Nov 2026", for moments long enough ago that the hour no longer matters. */
    public static String day(Instant when) {
        return DAY.format(when);
    }

    /**
     * {@link #minute}'s text in two halves, "3 Nov 2026" and "14:02 UTC", for a narrow column that
     * puts them on two lines rather than break inside either; {@code never} and no time without a moment.
     */
    public static DayAndTime minuteInTwo(Instant when, String never) {
        return when == null ? new DayAndTime(never, "") : new DayAndTime(DAY.format(when), TIME.format(when));
    }

    public record DayAndTime(String day, String time) {}

    /** "3 Nov 2026 14:02 UTC"; {@code never} when there is no moment. */
    public static String minute(Instant when, String never) {
        return when == null ? never : MINUTE.format(when);
    }

    /** To the second, for logs where the order of close events matters. */
    public static String second(Instant when) {
        return when == null ? "" : SECOND.format(when);
    }

    /** "Expired", "Expires in 3 days", "Expires in 5 hours", "Expires in less than an hour"; "" without a moment. */
    public static String expiry(Instant expiresAt, Instant now) {
        if (expiresAt == null) return "";
        if (!expiresAt.isAfter(now)) return "Expired";
        java.time.Duration left = java.time.Duration.between(now, expiresAt);
        if (left.toDays() >= 1) return "Expires in " + plural(left.toDays(), "day");
        if (left.toHours() >= 1) return "Expires in " + plural(left.toHours(), "hour");
        return "Expires in less than an hour";
    }

    /** The day of a moment in UTC, as a date input holds it ("2027-01-31"); "" without one. */
    public static String isoDay(Instant when) {
        return when == null ? "" : DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC).format(when);
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
