package dev.keydesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KEYDESK_TRUSTED_PROXIES and the address literals it is made of. No server. */
class TrustedProxiesTest {
    private static InetAddress ip(String literal) {
        return IpAddresses.parse(literal).orElseThrow(() -> new AssertionError("not an address: " + literal));
    }

    private static boolean trusts(String proxies, String address) {
        return TrustedProxies.parse(proxies).trusts(ip(address));
    }

    @Test
    void unsetOrBlankTrustsNobody() {
        assertTrue(Settings.fromMap(Map.of()).trustedProxies().isEmpty());
        assertTrue(Settings.fromMap(Map.of("KEYDESK_TRUSTED_PROXIES", "  ")).trustedProxies().isEmpty());
        assertFalse(TrustedProxies.none().trusts(ip("127.0.0.1")));
    }

    @Test
    void singleAddressesAndRangesOfBothFamilies() {
        String proxies = " 127.0.0.1 , 10.0.0.0/8,::1, fd00::/8 ,";
        assertEquals(4, Settings.fromMap(Map.of("KEYDESK_TRUSTED_PROXIES", proxies)).trustedProxies().networks().size());
        assertTrue(trusts(proxies, "127.0.0.1"));
        assertFalse(trusts(proxies, "127.0.0.2"));
        assertTrue(trusts(proxies, "10.20.30.40"));
        assertTrue(trusts(proxies, "::1"));
        assertTrue(trusts(proxies, "fd12:3456::1"));
        assertFalse(trusts(proxies, "fe80::1"));
        assertFalse(trusts(proxies, "::2"));
    }

    @Test
    void rangeEdges() {
        assertTrue(trusts("10.0.0.0/8", "10.0.0.0"));
        assertTrue(trusts("10.0.0.0/8", "10.255.255.255"));
        assertFalse(trusts("10.0.0.0/8", "9.255.255.255"));
        assertFalse(trusts("10.0.0.0/8", "11.0.0.0"));
        // A prefix that ends inside a byte.
        assertTrue(trusts("192.168.4.0/22", "192.168.4.0"));
        assertTrue(trusts("192.168.4.0/22", "192.168.7.255"));
        assertFalse(trusts("192.168.4.0/22", "192.168.3.255"));
        assertFalse(trusts("192.168.4.0/22", "192.168.8.0"));
        // Host bits in the range are ignored, as nginx and iptables do.
        assertTrue(trusts("10.1.2.3/8", "10.9.9.9"));
        assertTrue(trusts("203.0.113.7/32", "203.0.113.7"));
        assertFalse(trusts("203.0.113.7/32", "203.0.113.6"));
        assertTrue(trusts("0.0.0.0/0", "198.51.100.1"));
        assertFalse(trusts("0.0.0.0/0", "2001:db8::1"), "an IPv4 range never covers IPv6");
        assertTrue(trusts("2001:db8::/32", "2001:db8:ffff:ffff::1"));
        assertFalse(trusts("2001:db8::/32", "2001:db9::"));
        assertTrue(trusts("2001:db8::/127", "2001:db8::1"));
        assertFalse(trusts("2001:db8::/127", "2001:db8::2"));
        assertTrue(trusts("::/0", "2001:db8::1"));
    }

    @Test
    void ipv4MappedAddressesAreTheirIpv4Address() {
        assertTrue(trusts("127.0.0.1", "::ffff:127.0.0.1"));
        assertTrue(trusts("::ffff:10.0.0.0/104", "10.1.1.1"));
        assertFalse(trusts("::ffff:10.0.0.0/104", "11.1.1.1"));
    }

    @Test
    void anInvalidEntryStopsTheStartWithOneLineNamingIt() {
        for (String bad : List.of("example.com", "localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/x",
                "10.0.0.0/-1", "10.0.0.0/8/8", "256.0.0.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "::1%eth0", "[::1]",
                "10.0.0.1:80", "::ffff:10.0.0.0/8", "*", "127.0.0.1 10.0.0.1")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Settings.fromMap(Map.of("KEYDESK_TRUSTED_PROXIES", "127.0.0.1," + bad)), bad);
            assertTrue(e.getMessage().startsWith("KEYDESK_TRUSTED_PROXIES: '" + bad + "' is not an IP address or CIDR range"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void literalsNeverResolveNames() {
        for (String notLiteral : List.of("localhost", "example.com", "a", "1e100.net", "ff", "deadbeef", "0x7f.0.0.1",
                "127.1", "", " 1.2.3.4", "1.2.3.4 ", ".1.2.3", "::g", ":::", "1::2::3", "2001:db8::1.2.3", "1.2.3.4%1")) {
            assertTrue(IpAddresses.parse(notLiteral).isEmpty(), notLiteral);
        }
        assertEquals("127.0.0.1", IpAddresses.format(ip("127.0.0.1")));
        assertEquals("192.0.2.1", IpAddresses.format(ip("::ffff:192.0.2.1")));
    }

    @Test
    void ipv6IsWrittenTheRfc5952Way() {
        assertEquals("2001:db8::1", IpAddresses.format(ip("2001:0DB8:0000:0000:0000:0000:0000:0001")));
        assertEquals("2001:db8::1:0:0:1", IpAddresses.format(ip("2001:db8:0:0:1:0:0:1")), "the first of equal runs");
        assertEquals("2001:0:0:1::1", IpAddresses.format(ip("2001:0:0:1:0:0:0:1")), "the longest run");
        assertEquals("2001:db8:0:1:1:1:1:1", IpAddresses.format(ip("2001:db8:0:1:1:1:1:1")), "not a single zero");
        assertEquals("::", IpAddresses.format(ip("::")));
        assertEquals("::1", IpAddresses.format(ip("0:0:0:0:0:0:0:1")));
        assertEquals("1::", IpAddresses.format(ip("1:0:0:0:0:0:0:0")));
        assertEquals("::c000:201", IpAddresses.format(ip("::192.0.2.1")));
    }
}
