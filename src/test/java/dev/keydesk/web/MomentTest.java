package dev.keydesk.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Moments as pages show them: how long ago in words, the exact time beside. */
class MomentTest {
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    private static String ago(Duration d) {
        return Moment.of(NOW.minus(d), NOW, "Never").text();
    }

    @Test
    void recentMomentsReadAsHowLongAgo() {
        assertEquals("just now", ago(Duration.ofSeconds(59)));
        assertEquals("1 minute ago", ago(Duration.ofSeconds(60)));
        assertEquals("59 minutes ago", ago(Duration.ofMinutes(59).plusSeconds(59)));
        assertEquals("1 hour ago", ago(Duration.ofHours(1)));
        assertEquals("3 hours ago", ago(Duration.ofHours(3).plusMinutes(20)));
        assertEquals("yesterday", ago(Duration.ofHours(24)));
        assertEquals("2 days ago", ago(Duration.ofHours(48)));
        assertEquals("30 days ago", ago(Duration.ofDays(30)));
    }

    @Test
    void olderMomentsReadAsTheirDayAndFutureOnesAsIn() {
        assertEquals("26 Oct 2026", ago(Duration.ofDays(31)));
        assertEquals("in 10 days", Moment.of(NOW.plus(Duration.ofDays(10)), NOW, "").text());
        assertEquals("in 2 hours", Moment.of(NOW.plus(Duration.ofHours(2)), NOW, "").text());
    }

    @Test
    void theExactTimeGoesAlongAndNoMomentIsTheCallersWord() {
        Moment m = Moment.of(Instant.parse("2026-11-26T09:15:30.5Z"), NOW, "Never");
        assertEquals("2026-11-26T09:15:30.500Z", m.iso());
        assertEquals("26 Nov 2026 09:15 UTC", m.exact());
        Moment never = Moment.of(null, NOW, "Never");
        assertNull(never.iso());
        assertEquals("Never", never.text());
    }
}
