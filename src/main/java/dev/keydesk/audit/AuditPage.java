package dev.keydesk.audit;

import dev.keydesk.web.Layout;
import java.util.List;

public record AuditPage(Layout layout, List<Row> rows, List<Choice> events, String actor, String target, long total,
                        int page, int totalPages, String previousHref, String nextHref) {

    public record Row(String when, String event, String actor, String target, String ip, String details) {}

    public record Choice(String value, String label, boolean selected) {}

    public boolean hasPages() {
        return totalPages > 1;
    }
}
