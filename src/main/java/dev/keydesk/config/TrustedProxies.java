package dev.keydesk.config;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The reverse proxies whose X-Forwarded-For and Forwarded headers Keydesk believes
 * (KEYDESK_TRUSTED_PROXIES): IP addresses and CIDR ranges, IPv4 and IPv6. Empty trusts nobody.
 */
public record TrustedProxies(List<Network> networks) {
    /** One address range: the first {@code prefixLength} bits of {@code address}. */
    public record Network(byte[] address, int prefixLength) {
        boolean contains(byte[] candidate) {
            if (candidate.length != address.length) return false;
            int fullBytes = prefixLength / 8;
            for (int i = 0; i < fullBytes; i++) {
                if (candidate[i] != address[i]) return false;
            }
            int rest = prefixLength % 8;
            if (rest == 0) return true;
            int mask = (0xff << (8 - rest)) & 0xff;
            return (candidate[fullBytes] & mask) == (address[fullBytes] & mask);
        }
    }

    public TrustedProxies {
        networks = List.copyOf(networks);
    }

    public static TrustedProxies none() {
        return new TrustedProxies(List.of());
    }

    /**
     * Parses a comma-separated list such as {@code 127.0.0.1, 10.0.0.0/8, ::1, fd00::/8}.
     * Throws a {@link ConfigException} naming the first entry that is not an address or range.
     */
    public static TrustedProxies parse(String raw) {
        if (raw == null || raw.isBlank()) return none();
        List<Network> networks = new ArrayList<>();
        for (String part : raw.split(",", -1)) {
            String entry = part.trim();
            if (entry.isEmpty()) continue; // a trailing comma harms nobody
            networks.add(parseEntry(entry).orElseThrow(() -> new ConfigException("KEYDESK_TRUSTED_PROXIES: '" + entry
                    + "' is not an IP address or CIDR range (write e.g. 127.0.0.1, 10.0.0.0/8, ::1 or fd00::/8)")));
        }
        return new TrustedProxies(networks);
    }

    private static Optional<Network> parseEntry(String entry) {
        int slash = entry.indexOf('/');
        String addressText = slash < 0 ? entry : entry.substring(0, slash);
        Optional<InetAddress> parsed = IpAddresses.parse(addressText);
        if (parsed.isEmpty()) return Optional.empty();
        byte[] address = parsed.get().getAddress();
        int bits = address.length * 8;
        if (slash < 0) return Optional.of(new Network(address, bits));
        String prefixText = entry.substring(slash + 1);
        if (prefixText.isEmpty() || prefixText.length() > 3 || !prefixText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        int prefix = Integer.parseInt(prefixText);
        // An IPv4-mapped IPv6 range (::ffff:10.0.0.0/104) is the IPv4 range it maps.
        if (addressText.indexOf(':') >= 0 && !IpAddresses.isV6(parsed.get())) {
            if (prefix < 96 || prefix > 128) return Optional.empty();
            prefix -= 96;
        }
        if (prefix > bits) return Optional.empty();
        return Optional.of(new Network(address, prefix));
    }

    public boolean isEmpty() {
        return networks.isEmpty();
    }

    public boolean trusts(InetAddress address) {
        byte[] bytes = address.getAddress();
        for (Network network : networks) {
            if (network.contains(bytes)) return true;
        }
        return false;
    }

    @Override
    public String toString() {
        List<String> entries = new ArrayList<>();
        for (Network n : networks) {
            try {
                entries.add(IpAddresses.format(InetAddress.getByAddress(n.address())) + "/" + n.prefixLength());
            } catch (java.net.UnknownHostException e) {
                entries.add("?");
            }
        }
        return "TrustedProxies" + entries;
    }
}
