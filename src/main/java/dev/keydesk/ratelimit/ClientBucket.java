package dev.keydesk.ratelimit;

import dev.keydesk.config.IpAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Which client a request counts as, for every per-client limit: an IPv4 address is one client,
 * an IPv6 address counts as its network prefix ({@code /64} unless configured otherwise), and an
 * IPv4-mapped IPv6 address as the IPv4 address it carries.
 *
 * <p>Why a prefix: one IPv6 subscriber (a home, a phone, a rented server) is routinely given a
 * whole /64 or more, and picks any of its 2^64 addresses at will. Counted per address, that one
 * subscriber would be an endless supply of fresh clients, and every per-client limit would be no
 * limit at all. A /64 is the smallest block that is handed to a single site, so it is the
 * natural unit; a smaller prefix length (a /56, /48) counts larger blocks as one.
 */
public final class ClientBucket {
    private final int ipv6Prefix;

    /** {@code ipv6Prefix}: how many leading bits of an IPv6 address make one client (32 to 128). */
    public ClientBucket(int ipv6Prefix) {
        if (ipv6Prefix < 32 || ipv6Prefix > 128) {
            throw new IllegalArgumentException("an IPv6 prefix length from 32 to 128, not " + ipv6Prefix);
        }
        this.ipv6Prefix = ipv6Prefix;
    }

    /** One client per /64, the default. */
    public static ClientBucket standard() {
        return new ClientBucket(64);
    }

    /**
     * The client a request from {@code address} counts as: {@code 203.0.113.7}, or
     * {@code 2001:db8:1:2::/64} for every address of that /64 ({@code 2001:db8::1} as it is with a
     * prefix of 128). Text that is not an IP address (which {@code ctx.ip()} never gives) stands for itself.
     */
    public String of(String address) {
        Optional<InetAddress> parsed = IpAddresses.parse(address);
        if (parsed.isEmpty()) return address == null ? "" : address;
        // The JDK already reads an IPv4-mapped IPv6 literal as the IPv4 address.
        InetAddress ip = parsed.get();
        if (ip instanceof Inet4Address || ipv6Prefix == 128) return IpAddresses.format(ip);
        byte[] bytes = ip.getAddress();
        for (int bit = ipv6Prefix; bit < 128; bit++) bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        try {
            return IpAddresses.format(InetAddress.getByAddress(bytes)) + "/" + ipv6Prefix;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes: cannot happen
        }
    }
}
