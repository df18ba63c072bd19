package dev.keydesk.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.config.TrustedProxies;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who the client is, from the TCP peer and the forwarding headers. No server. */
class ClientAddressTest {
    private static final ClientAddress LOOPBACK_PROXY = new ClientAddress(TrustedProxies.parse("127.0.0.1, ::1"));
    private static final ClientAddress TWO_TIERS = new ClientAddress(TrustedProxies.parse("127.0.0.1, 10.0.0.0/8"));

    private static String xff(ClientAddress resolver, String peer, String... lines) {
        return resolver.resolve(peer, List.of(lines), List.of());
    }

    private static String forwarded(ClientAddress resolver, String peer, String... lines) {
        return resolver.resolve(peer, List.of(), List.of(lines));
    }

    @Test
    void withoutTrustedProxiesTheHeadersAreIgnored() {
        ClientAddress nobody = new ClientAddress(TrustedProxies.none());
        assertEquals("127.0.0.1", xff(nobody, "127.0.0.1", "203.0.113.7"));
        assertEquals("127.0.0.1", forwarded(nobody, "127.0.0.1", "for=203.0.113.7"));
        assertEquals("192.0.2.1", xff(nobody, "192.0.2.1"));
    }

    @Test
    void aPeerThatIsNoTrustedProxyIsTheClient() {
        assertEquals("192.0.2.1", xff(LOOPBACK_PROXY, "192.0.2.1", "203.0.113.7"));
        assertEquals("192.0.2.1", forwarded(LOOPBACK_PROXY, "192.0.2.1", "for=203.0.113.7"));
    }

    @Test
    void behindATrustedProxyTheForwardedAddressIsTheClient() {
        assertEquals("203.0.113.7", xff(LOOPBACK_PROXY, "127.0.0.1", "203.0.113.7"));
        assertEquals("127.0.0.1", xff(LOOPBACK_PROXY, "127.0.0.1"), "no header: the peer");
        assertEquals("127.0.0.1", xff(LOOPBACK_PROXY, "127.0.0.1", " "), "a blank header: the peer");
    }

    @Test
    void aSpoofedLeftMostEntryProvesNothing() {
        // The client sent "X-Forwarded-For: 198.51.100.1"; the proxy appended the address it saw.
        assertEquals("203.0.113.7", xff(LOOPBACK_PROXY, "127.0.0.1", "198.51.100.1, 203.0.113.7"));
        assertEquals("203.0.113.7", xff(LOOPBACK_PROXY, "127.0.0.1", "10.0.0.1, 127.0.0.1, 203.0.113.7"),
                "a claimed trusted address left of the client is not skipped to");
        assertEquals("203.0.113.7", xff(LOOPBACK_PROXY, "127.0.0.1", "garbage, 203.0.113.7"),
                "garbage left of the client is never read");
    }

    @Test
    void severalProxiesAreSkippedFromTheRight() {
        assertEquals("203.0.113.7", xff(TWO_TIERS, "127.0.0.1", "203.0.113.7, 10.1.2.3"));
        assertEquals("203.0.113.7", xff(TWO_TIERS, "127.0.0.1", "198.51.100.1, 203.0.113.7, 10.1.2.3, 10.0.0.9"));
        assertEquals("10.1.2.3", xff(LOOPBACK_PROXY, "127.0.0.1", "203.0.113.7, 10.1.2.3"),
                "an untrusted proxy is as far as the chain can be believed");
        // Several header lines are one list, in order.
        assertEquals("203.0.113.7", xff(TWO_TIERS, "127.0.0.1", "198.51.100.1", "203.0.113.7, 10.1.2.3"));
    }

    @Test
    void whenEveryHopIsTrustedTheLeftMostIsTheClient() {
        assertEquals("10.0.0.5", xff(TWO_TIERS, "127.0.0.1", "10.0.0.5, 10.0.0.6"));
        assertEquals("127.0.0.1", xff(TWO_TIERS, "10.9.9.9", "127.0.0.1"));
    }

    @Test
    void ipv6ClientsAndProxies() {
        assertEquals("2001:db8::7", xff(LOOPBACK_PROXY, "[0:0:0:0:0:0:0:1]", "2001:db8::7"));
        assertEquals("2001:db8::7", xff(LOOPBACK_PROXY, "::1", "2001:DB8:0:0:0:0:0:7"), "written one way");
        assertEquals("2001:db8::7", xff(LOOPBACK_PROXY, "127.0.0.1", "[2001:db8::7]:4711"));
        assertEquals("2001:db8::7", xff(LOOPBACK_PROXY, "127.0.0.1", "[2001:db8::7]"));
        assertEquals("203.0.113.7", xff(LOOPBACK_PROXY, "::ffff:127.0.0.1", "::ffff:203.0.113.7"),
                "IPv4-mapped peers and hops are IPv4");
        assertEquals("::1", xff(new ClientAddress(TrustedProxies.none()), "[0:0:0:0:0:0:0:1]"),
                "the peer is written the same way");
        assertEquals("fe80::1", xff(new ClientAddress(TrustedProxies.none()), "fe80:0:0:0:0:0:0:1%eth0"), "no zone");
    }

    @Test
    void portsAfterIpv4AddressesAreDropped() {
        assertEquals("203.0.113.7", xff(LOOPBACK_PROXY, "127.0.0.1", "203.0.113.7:51234"));
        assertEquals("127.0.0.1", xff(LOOPBACK_PROXY, "127.0.0.1", "203.0.113.7:99999999"));
    }

    @Test
    void garbageFallsBackToThePeer() {
        for (String header : List.of("unknown", "not-an-ip", "localhost", "example.com", "203.0.113.7, garbage",
                "203.0.113.7,,127.0.0.1", "256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "[::1", "::1%eth0", "_hidden",
                "203.0.113.7;", "\"203.0.113.7\"", ",", "2001:db8::7:", "::ffff:999.0.0.1")) {
            assertEquals("127.0.0.1", xff(LOOPBACK_PROXY, "127.0.0.1", header), header);
        }
    }

    @Test
    void forwardedIsReadWhenThereIsNoXForwardedFor() {
        assertEquals("192.0.2.60", forwarded(LOOPBACK_PROXY, "127.0.0.1", "for=192.0.2.60;proto=http;by=203.0.113.43"));
        assertEquals("2001:db8:cafe::17", forwarded(LOOPBACK_PROXY, "127.0.0.1", "For=\"[2001:db8:cafe::17]:4711\""));
        assertEquals("192.0.2.60", forwarded(LOOPBACK_PROXY, "127.0.0.1", "proto=https; FOR = \"192.0.2.60:80\""));
        assertEquals("198.51.100.17", forwarded(TWO_TIERS, "127.0.0.1", "for=192.0.2.43, for=198.51.100.17, for=10.0.0.2"));
        assertEquals("198.51.100.17", forwarded(TWO_TIERS, "127.0.0.1", "for=192.0.2.43", "for=198.51.100.17;by=\"x,y\""));
        assertEquals("203.0.113.7", LOOPBACK_PROXY.resolve("127.0.0.1", List.of("203.0.113.7"), List.of("for=192.0.2.60")),
                "X-Forwarded-For first");
        assertEquals("192.0.2.60", LOOPBACK_PROXY.resolve("127.0.0.1", List.of(""), List.of("for=192.0.2.60")),
                "a blank X-Forwarded-For is no header");
    }

    @Test
    void malformedForwardedFallsBackToThePeer() {
        for (String header : List.of("for=unknown", "for=_hidden", "by=203.0.113.43", "for=192.0.2.60, proto=http",
                "for=\"192.0.2.60", "for", "for=192.0.2.60;for=192.0.2.61", "for=\"[2001:db8::1]:x\"", "for=",
                "for=192.0.2.60;;")) {
            assertEquals("127.0.0.1", forwarded(LOOPBACK_PROXY, "127.0.0.1", header), header);
        }
    }
}
