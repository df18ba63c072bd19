package dev.keydesk.keyscope;

import dev.keydesk.errors.InvalidInputException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.net.InetAddress;
import dev.keydesk.config.IpAddresses;

/**
 * Where a key may be used from: IPv4 and IPv6 ranges in CIDR notation (a single address is its
 * own range). Empty means anywhere. Parsed and matched by the IPAddress library; ranges are kept
 * as prefix blocks, so {@code 10.1.2.3/8} is stored as {@code 10.0.0.0/8}.
 */
public final class AddressRanges {
    public static final AddressRanges ANYWHERE = new AddressRanges(List.of());
    public static final int MAX_RANGES = 50;
    /** Literal addresses and CIDR prefixes only: no host names, wildcards, ranges or shortened IPv4 forms. */
    private static final IPAddressStringParameters STRICT = new IPAddressStringParameters.Builder()
            .allowEmpty(false).allowAll(false).allowSingleSegment(false).allowWildcardedSeparator(false)
            .setEmptyAsLoopback(false).allowMask(false)
            .getIPv4AddressParametersBuilder().allow_inet_aton(false).allowLeadingZeros(false).allowWildcardedSeparator(false)
            .getParentBuilder()
            .getIPv6AddressParametersBuilder().allowZone(false).allowWildcardedSeparator(false).getParentBuilder()
            .toParams();

    private final List<IPAddress> blocks;
    /** Each block's network bytes and prefix length, for matching a client without the library's parser on every request. */
    private final byte[][] networks;
    private final int[] prefixes;

    private AddressRanges(List<IPAddress> blocks) {
        this.blocks = List.copyOf(blocks);
        this.networks = new byte[blocks.size()][];
        this.prefixes = new int[blocks.size()];
        for (int i = 0; i < blocks.size(); i++) {
            IPAddress block = blocks.get(i);
            networks[i] = block.getLower().getBytes();
            Integer prefix = block.getNetworkPrefixLength();
            prefixes[i] = prefix == null ? block.getBitCount() : prefix;
        }
    }

    public static AddressRanges parse(Collection<String> entries) {
        List<IPAddress> blocks = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw == null ? "" : raw.strip();
            if (entry.isEmpty()) continue;
            blocks.add(parseOne(entry));
        }
        if (blocks.size() > MAX_RANGES) throw new InvalidInputException("A key takes at most " + MAX_RANGES + " address ranges.");
        return new AddressRanges(blocks);
    }

    /** Ranges as typed in a form: separated by commas, spaces or lines. */
    public static AddressRanges parse(String text) {
        return parse(text == null ? List.of() : List.of(text.split("[,\\s]+")));
    }

    private static IPAddress parseOne(String entry) {
        IPAddress address = entry.length() > 60 ? null : new IPAddressString(entry, STRICT).getAddress();
        if (address == null || (address.isMultiple() && !address.isPrefixBlock())) {
            throw new InvalidInputException("“" + entry + "” is not an address range: write an address or a CIDR range "
                    + "such as 203.0.113.0/24 or 2001:db8::/32.");
        }
        return address.isIPv4Convertible() && address.isIPv6() && address.getNetworkPrefixLength() == null
                ? address.toIPv4().toPrefixBlock() : address.toPrefixBlock();
    }

    public boolean isAnywhere() {
        return blocks.isEmpty();
    }

    /**
     * Whether a client at {@code ip} (as Keydesk resolves it: a dotted quad or an IPv6 literal,
     * IPv4-mapped addresses as IPv4) may use the key; an unreadable address may not.
     */
    public boolean admits(String ip) {
        if (networks.length == 0) return true;
        if (ip == null) return false;
        Optional<InetAddress> parsed = IpAddresses.parse(ip);
        if (parsed.isEmpty()) return false;
        byte[] address = parsed.get().getAddress();
        for (int i = 0; i < networks.length; i++) {
            if (within(address, networks[i], prefixes[i])) return true;
        }
        return false;
    }

    private static boolean within(byte[] address, byte[] network, int prefix) {
        if (address.length != network.length) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) return false;
        }
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (address[full] & mask) == (network[full] & mask);
    }

    /**
     * The entries of {@code other} that are not inside any of these ranges, as shown; empty when
     * every one is (and always when these are anywhere). An {@code other} of anywhere is not
     * checked here: it stands for "no further limit".
     */
    public List<String> notWithin(AddressRanges other) {
        if (blocks.isEmpty()) return List.of();
        List<String> outside = new ArrayList<>();
        List<String> shown = other.entries();
        for (int i = 0; i < other.blocks.size(); i++) {
            IPAddress block = other.blocks.get(i);
            if (blocks.stream().noneMatch(mine -> mine.contains(block))) outside.add(shown.get(i));
        }
        return outside;
    }

    /** The ranges in canonical CIDR form, as stored and shown. */
    public List<String> entries() {
        return blocks.stream().map(b -> b.getNetworkPrefixLength() == null
                ? b.toCanonicalString() + "/" + b.getBitCount() : b.toCanonicalString()).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddressRanges other && entries().equals(other.entries());
    }

    @Override
    public int hashCode() {
        return entries().hashCode();
    }

    @Override
    public String toString() {
        return String.join(", ", entries());
    }
}
