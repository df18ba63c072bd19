package dev.keydesk.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Moments on pages: one style, always in UTC. */
class DatesTest {
    private static final Instant MOMENT = Instant.parse("2026-11-03T14:02:59.999Z");

    @Test
    void minutesAreWrittenInUtcWithoutLeadingZeroOnTheDay() {
        assertEquals("3 Nov 2026 14:02 UTC", Dates.minute(MOMENT, "Never"));
        assertEquals("31 Dec 2026 23:59 UTC", Dates.minute(Instant.parse("2026-12-31T23:59:59.999Z"), "Never"),
                "seconds are cut, never rounded up into the next day");
        assertEquals("1 Jan 1970 00:00 UTC", Dates.minute(Instant.EPOCH, "Never"));
    }

    @Test
    void secondsAreWrittenInUtc() {
        assertEquals("3 Nov 2026 14:02:59 UTC", Dates.second(MOMENT));
        assertEquals("29 Feb 2028 00:00:00 UTC", Dates.second(Instant.parse("2028-02-29T00:00:00Z")));
    }

    @Test
    void aMinuteInTwoHalvesReadsAsTheWholeOnce() {
        Dates.DayAndTime split = Dates.minuteInTwo(MOMENT, "Never");
        assertEquals(new Dates.DayAndTime("3 Nov 2026", "14:02 UTC"), split);
        assertEquals(Dates.minute(MOMENT, "Never"), split.day() + " " + split.time());
        assertEquals(new Dates.DayAndTime("Never", ""), Dates.minuteInTwo(null, "Never"), "no moment has no time half");
    }

    @Test
    void noMomentIsWrittenAsTheCallerAsks() {
        assertEquals("Never", Dates.minute(null, "Never"));
        assertEquals("", Dates.minute(null, ""));
        assertEquals("", Dates.second(null));
    }

    @Test
    void expiriesAreSaidInWholeDaysThenHours() {
        Instant now = MOMENT;
        assertEquals("", Dates.expiry(null, now));
        assertEquals("Expired", Dates.expiry(now, now), "the instant itself has passed");
        assertEquals("Expired", Dates.expiry(now.minusSeconds(1), now));
        assertEquals("Expires in less than an hour", Dates.expiry(now.plusSeconds(3599), now));
        assertEquals("Expires in 1 hour", Dates.expiry(now.plusSeconds(3600), now));
        assertEquals("Expires in 23 hours", Dates.expiry(now.plusSeconds(86_399), now));
        assertEquals("Expires in 1 day", Dates.expiry(now.plusSeconds(86_400), now));
        assertEquals("Expires in 3 days", Dates.expiry(now.plusSeconds(3 * 86_400 + 600), now));
    }

    @Test
    void aDateFieldHoldsTheDayInUtc() {
        assertEquals("2026-11-03", Dates.isoDay(MOMENT));
        assertEquals("2026-12-31", Dates.isoDay(Instant.parse("2026-12-31T23:59:59Z")));
        assertEquals("", Dates.isoDay(null));
    }
}
