package dev.keydesk.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * IP address literals, strictly: a dotted-quad IPv4 address or an IPv6 address, never a host
 * name, so parsing text a client sent can never cause a DNS lookup. Addresses are written back
 * in one canonical form (RFC 5952 for IPv6, IPv4-mapped IPv6 as plain IPv4), so one client is
 * always one rate-limit bucket and one way of writing it in the audit log.
 */
public final class IpAddresses {
    private IpAddresses() {}

    /** The address, or empty for anything that is not an IPv4 or IPv6 literal (a name, a zone, a port, garbage). */
    public static Optional<InetAddress> parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) return Optional.empty();
        return text.indexOf(':') >= 0 ? parseV6(text) : parseV4(text);
    }

    private static Optional<InetAddress> parseV4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) return Optional.empty();
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) return Optional.empty();
            int value = 0;
            for (int j = 0; j < part.length(); j++) {
                char c = part.charAt(j);
                if (c < '0' || c > '9') return Optional.empty();
                value = value * 10 + (c - '0');
            }
            if (value > 255) return Optional.empty();
            bytes[i] = (byte) value;
        }
        return Optional.of(byAddress(bytes));
    }

    private static Optional<InetAddress> parseV6(String text) {
        // Only hex digits, colons and the dots of an embedded IPv4 tail, starting with a hex digit or
        // a colon: the JDK then parses it as a literal (and rejects it as one) without any lookup.
        char first = text.charAt(0);
        if (first != ':' && Character.digit(first, 16) < 0) return Optional.empty();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ':' && c != '.' && Character.digit(c, 16) < 0) return Optional.empty();
        }
        int dots = text.indexOf('.');
        if (dots >= 0 && parseV4(text.substring(text.lastIndexOf(':') + 1)).isEmpty()) return Optional.empty();
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // only for a wrong length, which cannot happen here
        }
    }

    /** An address as Keydesk records it: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as ::). */
    public static String format(InetAddress address) {
        if (address instanceof Inet4Address) return address.getHostAddress();
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') out.append(':');
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    /** True for an IPv6 address: used to tell a CIDR written for IPv6 from one for IPv4. */
    static boolean isV6(InetAddress address) {
        return address instanceof Inet6Address;
    }
}
