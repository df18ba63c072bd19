package dev.keydesk.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Which client an address counts as. No server. */
class ClientBucketTest {
    private final ClientBucket standard = ClientBucket.standard();

    @Test
    void anIpv4AddressIsOneClient() {
        assertEquals("203.0.113.7", standard.of("203.0.113.7"));
        assertNotEquals(standard.of("203.0.113.7"), standard.of("203.0.113.8"));
    }

    @Test
    void everyAddressOfAnIpv6Slash64IsOneClient() {
        assertEquals("2001:db8:1:2::/64", standard.of("2001:db8:1:2::1"));
        assertEquals("2001:db8:1:2::/64", standard.of("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assertEquals("2001:db8:1:2::/64", standard.of("2001:DB8:1:2:0:0:0:99"), "however it is written");
        assertEquals("2001:db8:1:3::/64", standard.of("2001:db8:1:3::1"), "the next /64 is another client");
        assertEquals("::/64", standard.of("::1"));
    }

    @Test
    void anIpv4MappedIpv6AddressIsTheIpv4Client() {
        assertEquals("192.0.2.1", standard.of("::ffff:192.0.2.1"));
        assertEquals("192.0.2.1", standard.of("::ffff:c000:201"));
    }

    @Test
    void thePrefixLengthIsConfigurable() {
        assertEquals("2001:db8:1::/48", new ClientBucket(48).of("2001:db8:1:2::1"));
        assertEquals("2001:db8:1:200::/56", new ClientBucket(56).of("2001:db8:1:2ff::1"));
        assertEquals("2001:db8:1:2:8000::/65", new ClientBucket(65).of("2001:db8:1:2:ffff::1"), "a length that cuts a group");
        assertEquals("2001:db8::1", new ClientBucket(128).of("2001:db8::1"), "128: one address, written as itself");
        assertEquals("2001:db8::/32", new ClientBucket(32).of("2001:db8:ffff:ffff::1"));
        assertEquals("203.0.113.7", new ClientBucket(48).of("203.0.113.7"), "IPv4 is not affected");
        assertThrows(IllegalArgumentException.class, () -> new ClientBucket(31));
        assertThrows(IllegalArgumentException.class, () -> new ClientBucket(129));
    }

    @Test
    void textThatIsNoAddressStandsForItself() {
        assertEquals("unknown", standard.of("unknown"));
        assertEquals("", standard.of(null));
    }
}
