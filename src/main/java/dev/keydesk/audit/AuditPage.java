package dev.keydesk.audit;

import dev.keydesk.web.Layout;
import dev.keydesk.web.Moment;
import java.util.List;

/** {@code total} is the capped count's label ("42", "1,000+"). */
public record AuditPage(Layout layout, List<Row> rows, List<Choice> events, String actor, String target, String total,
                        String previousHref, String nextHref) {

    /** {@code exactWhen} to the second, for telling close events apart; {@code details} in words. */
    public record Row(Moment when, String exactWhen, String event, String actor, String target, String ip, String details) {}

    public record Choice(String value, String label, boolean selected) {}

    public boolean hasPages() {
        return previousHref != null || nextHref != null;
    }
}
