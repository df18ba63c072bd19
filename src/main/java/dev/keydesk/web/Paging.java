package dev.keydesk.web;

/** Which page of a long list to show: out-of-range or malformed page numbers fall back to the nearest page. */
public record Paging(int page, int totalPages, int pageSize) {
    public static Paging of(String rawPage, long total, int pageSize) {
        int totalPages = (int) Math.max(1, (total + pageSize - 1) / pageSize);
        int requested;
        try {
            requested = Math.max(1, Integer.parseInt(rawPage));
        } catch (NumberFormatException | NullPointerException e) {
            requested = 1;
        }
        return new Paging(Math.min(requested, totalPages), totalPages, pageSize);
    }

    public long offset() {
        return (long) (page - 1) * pageSize;
    }

    public boolean hasPrevious() {
        return page > 1;
    }

    public boolean hasNext() {
        return page < totalPages;
    }
}
