package dev.keydesk.usage;

import dev.keydesk.apikey.KeyUseOutcome;
import dev.keydesk.web.Layout;
import dev.keydesk.web.Moment;
import java.util.List;

/** The Usage page: the chart and its table, the services, the keys refused most and the bot keys nobody uses. */
public record UsagePage(Layout layout, UsageChart chart, List<UsageQueries.Day> days, List<Service> services,
                        List<Refused> refused, List<Unused> unused, boolean unusedCapped) {
    /** A service row; {@code name} in words ("Keydesk API", or a deleted service's id). */
    public record Service(String name, UsageQueries.ServiceTotals totals) {}

    /** A key refused in the period, as the page names it. */
    public record Refused(String holder, String email, String kind, String href, long refused, long total, String share) {}

    /** A bot key nobody used for 90 days; {@code blockAction} the Keys console's block action. */
    public record Unused(String bot, String email, Moment created, Moment lastUsed, String blockAction) {}

    /** The outcomes in the order of the chart's stacks, the table's columns and the CSV's. */
    public List<KeyUseOutcome> outcomes() {
        return List.of(KeyUseOutcome.values());
    }

    public String words(KeyUseOutcome outcome) {
        return UsageChart.words(outcome);
    }

    public String css(KeyUseOutcome outcome) {
        return UsageChart.cssName(outcome);
    }

    public String number(long n) {
        return UsageChart.number(n);
    }
}
