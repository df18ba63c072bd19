package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The cross-site check of forward-auth questions, header by header (ForwardAuthTest asks it over HTTP). */
class CrossSiteWriteTest {
    /** Headers as name, value pairs; a name may come more than once. */
    private static Function<String, List<String>> headers(String... pairs) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.computeIfAbsent(pairs[i].toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(pairs[i + 1]);
        }
        return name -> map.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Test
    void anyMethodSignalThatSaysWriteMakesAWrite() {
        assertFalse(CrossSiteWrite.isWrite("GET", headers()));
        assertFalse(CrossSiteWrite.isWrite("GET", headers("X-Original-Method", "head", "X-Forwarded-Method", "OPTIONS")));
        assertTrue(CrossSiteWrite.isWrite("POST", headers("X-Forwarded-Method", "GET")), "Envoy asks with the method itself");
        assertTrue(CrossSiteWrite.isWrite("GET", headers("X-Original-Method", "PATCH", "X-Forwarded-Method", "GET")));
        assertTrue(CrossSiteWrite.isWrite("GET", headers("X-Forwarded-Method", "GET", "X-Forwarded-Method", "DELETE")),
                "a second header of the same name counts");
        assertTrue(CrossSiteWrite.isWrite("GET", headers("X-Forwarded-Method", "GET, PUT")));
        assertTrue(CrossSiteWrite.isWrite("GET", headers("X-Forwarded-Method", "")), "a blank method proves no read");
    }

    @Test
    void fetchMetadataFromAnotherSiteOrAnyOddValueIsElsewhere() {
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Sec-Fetch-Site", "cross-site")));
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Sec-Fetch-Site", "same-site")), "a sibling subdomain is another site");
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Sec-Fetch-Site", "something-new")));
        assertFalse(CrossSiteWrite.isFromElsewhere(headers("Sec-Fetch-Site", "same-origin")));
        assertFalse(CrossSiteWrite.isFromElsewhere(headers("Sec-Fetch-Site", "none")), "typed in or bookmarked");
        assertFalse(CrossSiteWrite.isFromElsewhere(headers()), "curl sends neither header");
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Sec-Fetch-Site", "same-origin",
                "Origin", "https://evil.example", "X-Forwarded-Host", "grafana.example.com")), "either signal is enough");
    }

    @Test
    void anOriginMustBeTheForwardedHost() {
        String xfh = "X-Forwarded-Host";
        assertFalse(CrossSiteWrite.isFromElsewhere(headers("Origin", "https://grafana.example.com", xfh, "grafana.example.com")));
        assertFalse(CrossSiteWrite.isFromElsewhere(headers("Origin", "https://grafana.example.com", xfh, "Grafana.Example.COM:443")));
        assertFalse(CrossSiteWrite.isFromElsewhere(headers("Origin", "http://[::1]:8080", xfh, "[::1]:8080")));
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Origin", "http://[::1]:8081", xfh, "[::1]:8080")));
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Origin", "https://grafana.example.com.evil.example", xfh, "grafana.example.com")));
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Origin", "https://x@grafana.example.com", xfh, "grafana.example.com")));
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Origin", "null", xfh, "grafana.example.com")));
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Origin", "%%", xfh, "grafana.example.com")));
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Origin", "https://grafana.example.com", xfh, "grafana.example.com",
                xfh, "evil.example")), "every forwarded host must agree");
        // Without X-Forwarded-Host the question's Host is the service's (Envoy); without either, nothing vouches.
        assertFalse(CrossSiteWrite.isFromElsewhere(headers("Origin", "https://grafana.example.com", "Host", "grafana.example.com")));
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Origin", "https://grafana.example.com", "Host", "keydesk")));
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Origin", "https://grafana.example.com")));
        assertTrue(CrossSiteWrite.isFromElsewhere(headers("Origin", "https://grafana.example.com", "Host", "grafana.example.com",
                xfh, "evil.example")), "a forwarded host wins over the Host of the question");
    }
}
