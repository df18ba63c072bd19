package dev.keydesk.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.apikey.KeyUseOutcome;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chart's layout: round grid lines just above the busiest day, stacks that add up, and its summary in words. */
class UsageChartTest {
    @Test
    void theScaleEndsOnARoundNumberJustAboveTheBusiestDay() {
        assertEquals(4, UsageChart.niceCeiling(0));
        assertEquals(4, UsageChart.niceCeiling(3));
        assertEquals(8, UsageChart.niceCeiling(5));
        assertEquals(100, UsageChart.niceCeiling(87));
        assertEquals(1_000, UsageChart.niceCeiling(873));
        assertEquals(2_000, UsageChart.niceCeiling(1_001));
        assertEquals(400_000, UsageChart.niceCeiling(312_345));
    }

    @Test
    void eachDayIsAStackOfItsOutcomesAndTheSummarySaysWhatTheBarsShow() {
        List<UsageQueries.Day> days = new ArrayList<>();
        LocalDate first = LocalDate.of(2031, 3, 1);
        for (int i = 0; i < 30; i++) days.add(day(first.plusDays(i), i == 4 ? 60 : 10, i == 4 ? 20 : 0));
        UsageChart chart = UsageChart.of(days);

        assertEquals(30, chart.bars().size());
        UsageChart.Bar busiest = chart.bars().get(4);
        assertEquals(2, busiest.segments().size());
        double plot = UsageChart.HEIGHT - UsageChart.TOP - UsageChart.BOTTOM;
        double stacked = busiest.segments().stream().mapToDouble(UsageChart.Segment::height).sum();
        assertEquals(plot, stacked, 0.2, "80 on a scale that ends at 80");
        assertTrue(busiest.segments().get(1).patterned(), "a refusal is patterned, not only coloured");
        assertEquals("Mar 5: 20 invalid key", busiest.segments().get(1).title());
        assertEquals(List.of("0", "20", "40", "60", "80"), chart.ticks().stream().map(UsageChart.Tick::value).toList());
        assertEquals("Requests per day from Mar 1 to Mar 30, stacked by outcome: 370 in all (350 allowed, 20 invalid key); "
                + "the busiest day was Mar 5 with 80.", chart.summary());
    }

    /** A busy organization's grid values (millions) get the room they need left of the plot, and the bars start after it. */
    @Test
    void largeValuesWidenTheRoomLeftOfThePlot() {
        List<UsageQueries.Day> days = new ArrayList<>();
        LocalDate first = LocalDate.of(2031, 3, 1);
        for (int i = 0; i < 30; i++) days.add(day(first.plusDays(i), 1_311_500, 0));
        UsageChart busy = UsageChart.of(days);
        String top = busy.ticks().get(busy.ticks().size() - 1).value();
        assertEquals("2,000,000", top);
        assertTrue(busy.valuesEnd() >= top.length() * 8, busy.valuesEnd() + " px for " + top);
        assertTrue(busy.bars().get(0).segments().get(0).x() > busy.left(), "the first bar starts right of the values");

        UsageChart quiet = UsageChart.of(List.of(day(first, 80, 0)));
        assertEquals(UsageChart.LEFT, quiet.left(), "small values keep the usual room");
    }

    private static UsageQueries.Day day(LocalDate day, long allowed, long invalid) {
        Map<KeyUseOutcome, Long> byOutcome = new EnumMap<>(KeyUseOutcome.class);
        for (KeyUseOutcome o : KeyUseOutcome.values()) byOutcome.put(o, 0L);
        byOutcome.put(KeyUseOutcome.ALLOWED, allowed);
        byOutcome.put(KeyUseOutcome.INVALID, invalid);
        return new UsageQueries.Day(day, byOutcome);
    }
}
