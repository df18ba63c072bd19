package dev.keydesk.web;

/**
 * How many rows a list holds, counted only up to {@link #CAP}: a count query reads at most
 * {@code CAP + 1} rows ({@code SELECT count(*) FROM (SELECT 1 … LIMIT 1001) t}), so a filter over a
 * million rows costs no full scan. Above the cap the page says "1,000+".
 */
public final class CappedCount {
    public static final int CAP = 1000;

    private CappedCount() {}

    /** The {@code LIMIT} of a capped count's inner query. */
    public static int limit() {
        return CAP + 1;
    }

    public static String label(long counted) {
        return counted > CAP ? String.format(java.util.Locale.ROOT, "%,d+", CAP) : String.format(java.util.Locale.ROOT, "%,d", counted);
    }
}
