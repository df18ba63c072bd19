package dev.keydesk.audit;

import dev.keydesk.web.Layout;
import java.util.List;

/** {@code total} is the capped count's label ("42", "1,000+"). */
public record AuditPage(Layout layout, List<Row> rows, List<Choice> events, String actor, String target, String total,
                        String previousHref, String nextHref) {

    public record Row(String when, String event, String actor, String target, String ip, String details) {}

    public record Choice(String value, String label, boolean selected) {}

    public boolean hasPages() {
        return previousHref != null || nextHref != null;
    }
}
