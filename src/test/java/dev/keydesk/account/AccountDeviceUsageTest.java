package dev.keydesk.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.guard.Access;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.User;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Account & privacy shows each of the person's own devices' use over the last 30 days, and nobody else's. */
@IntegrationTest
class AccountDeviceUsageTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private User cordelia;
    private long phone;
    private long tablet;
    private LocalDate today;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        cordelia = Fixtures.member("cordelia@zulip.com");
        User hamlet = Fixtures.member("hamlet@zulip.com");
        long grafana = Fixtures.service("Grafana", Access.EVERYONE).service().id();
        Fixtures.deviceKey(cordelia, "ZulipMobile", "ZulipMobile/27.1 (iOS 17)", "10.0.0.5");
        Fixtures.deviceKey(cordelia, "ZulipTablet", "ZulipMobile/27.1 (iPadOS 17)", "10.0.0.6");
        Fixtures.deviceKey(hamlet, "HamletPhone", "ZulipMobile/27.1 (Android 14)", "10.0.0.7");
        phone = deviceKeyOf(cordelia, "ZulipMobile");
        long hamletPhone = deviceKeyOf(hamlet, "HamletPhone");
        Instant now = TestKeydesk.CLOCK.instant();
        today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant yesterday = now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(1)).plus(Duration.ofHours(8));
        // The phone: yesterday at 08:00 20 allowed and 2 expired in the API, at 11:00 5 forbidden at Grafana.
        Fixtures.usage(phone, yesterday, 0, "allowed", 20);
        Fixtures.usage(phone, yesterday, 0, "expired", 2);
        Fixtures.usage(phone, yesterday.plus(Duration.ofHours(3)), grafana, "forbidden", 5);
        // The main key's and Hamlet's phone's use show on no device of Cordelia's.
        Fixtures.usage(Fixtures.count("SELECT id FROM api_keys WHERE kind = 'main' AND revoked_at IS NULL AND user_id = "
                + cordelia.id()), yesterday, 0, "allowed", 300);
        Fixtures.usage(hamletPhone, yesterday, 0, "allowed", 900);
        tablet = Fixtures.count("SELECT d.id FROM devices d WHERE d.client = 'ZulipTablet'");
    }

    private static long deviceKeyOf(User user, String client) {
        return Fixtures.count("SELECT k.id FROM api_keys k JOIN devices d ON d.id = k.device_id WHERE k.revoked_at IS NULL"
                + " AND k.user_id = " + user.id() + " AND d.client = '" + client + "'");
    }

    private static List<String> cells(Element row) {
        return row.select("th, td").eachText();
    }

    @Test
    void eachDeviceHasItsChartTableServicesAndBusiestHours() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login(cordelia.email(), Fixtures.PASSWORD);
        Page page = browser.get("/account");
        assertEquals(200, page.status(), page.body());
        long phoneDevice = Fixtures.count("SELECT device_id FROM api_keys WHERE id = " + phone);
        Element used = page.doc().getElementById("device-" + phoneDevice + "-use");
        assertNotNull(used, page.body());
        assertTrue(used.selectFirst("summary").text().contains("ZulipMobile"), used.text());
        assertTrue(used.text().contains("27 requests in the last 30 days"), used.text());
        Element chart = used.selectFirst("svg[role=img]");
        String title = page.doc().getElementById(chart.attr("aria-labelledby")).text();
        assertTrue(title.contains("27 in all (20 allowed, 5 forbidden, 2 expired)"), title);
        List<Element> days = used.select("table.usage-days tbody tr");
        assertEquals(30, days.size());
        assertEquals(List.of(today.minusDays(1).toString(), "20", "0", "0", "5", "0", "2", "27"), cells(days.get(28)));
        List<Element> services = used.select("table.usage-services tbody tr");
        assertEquals(List.of("Keydesk API", "20", "0", "0", "0", "0", "2", "22"), cells(services.get(0)));
        assertEquals(List.of("Grafana", "0", "0", "0", "5", "0", "0", "5"), cells(services.get(1)));
        List<String> busiest = used.select("ol.usage-busiest li").eachText();
        assertEquals(2, busiest.size(), busiest.toString());
        assertTrue(busiest.get(0).endsWith(", 08:00–09:00 UTC: 22 requests"), busiest.toString());
        assertTrue(busiest.get(1).endsWith(", 11:00–12:00 UTC: 5 requests"), busiest.toString());

        Element quiet = page.doc().getElementById("device-" + tablet + "-use");
        assertNotNull(quiet, page.body());
        assertEquals("This device's key made no requests in the last 30 days.", quiet.selectFirst("p").text());
        assertNull(quiet.selectFirst("svg"));

        assertEquals(2, page.doc().select("details.usage-device").size());
        assertFalse(page.body().contains("HamletPhone"), "another person's device is not listed");
        assertFalse(page.text().contains("900"), "nor its use");
        assertFalse(page.text().contains("300 requests"), "the main key's use is not a device's");
    }
}
