package dev.keydesk.webhook;

import dev.keydesk.outbox.DeliveryFailure;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Keeps webhook calls away from the server's own network: an address that resolves to
 * loopback, private, link-local (including cloud metadata at 169.254.169.254), shared (CGNAT),
 * unique-local or multicast space is refused, unless KEYDESK_WEBHOOKS_ALLOW_PRIVATE is set.
 *
 * <p>A host name is resolved once per call; every address it resolves to is checked, and the
 * call then connects to the checked address itself ({@link Target#address()}), so a name that
 * resolves differently a moment later (DNS rebinding) cannot send the call elsewhere.
 */
public final class WebhookTargets {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WebhookTargets.class);

    /** Name resolution; the system resolver in production, a stand-in in tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    public static final Resolver SYSTEM = InetAddress::getAllByName;

    /** A URL that passed the check, with the one address a call to it must connect to. */
    public record Target(URI uri, InetAddress address) {
        public String host() {
            return uri.getHost();
        }

        public int port() {
            if (uri.getPort() >= 0) return uri.getPort();
            return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        }
    }

    private enum Refusal { NOT_HTTP, INTERNAL }

    private final boolean allowPrivate;
    private final Resolver resolver;

    public WebhookTargets(boolean allowPrivate) {
        this(allowPrivate, SYSTEM);
    }

    public WebhookTargets(boolean allowPrivate, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
    }

    /**
     * At delivery: resolves the host once, checks every address and returns the first, for the
     * call to connect to. A refused scheme or address is a permanent failure; a name that does
     * not resolve now may resolve later, so that one is retried.
     */
    public Target check(URI uri) {
        if (!isHttp(uri)) throw new DeliveryFailure("refused: not an http(s) URL", true);
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(uri.getHost());
        } catch (UnknownHostException e) {
            throw new DeliveryFailure("cannot resolve " + uri.getHost(), false);
        }
        if (addresses == null || addresses.length == 0) {
            throw new DeliveryFailure("cannot resolve " + uri.getHost(), false);
        }
        if (firstInternal(uri.getHost(), addresses).isPresent()) {
            throw new DeliveryFailure("refused: the host resolves to an internal address", true);
        }
        return new Target(uri, addresses[0]);
    }

    /**
     * When a Webhook URL is entered: why Keydesk would not call it, in words for the person who
     * typed it, or empty when it would. With private targets allowed there is nothing to check,
     * so the name is not looked up at all (it may resolve only on the receiver's network).
     *
     * <p>A name that does not resolve now is accepted, as a Zulip server accepts it: the receiver
     * often cannot exist before the bot (it needs the bot's token), DNS may be down for a moment,
     * and the address is checked again, and pinned, at every delivery anyway, which retries a
     * name that does not resolve and says so in the bot's delivery log. Only a name that resolves
     * to an internal address now is refused, since no delivery would ever call it.
     */
    public Optional<String> problemWith(URI uri) {
        if (!isHttp(uri)) return Optional.of(message(Refusal.NOT_HTTP));
        if (allowPrivate) return Optional.empty();
        try {
            InetAddress[] addresses = resolver.resolve(uri.getHost());
            if (addresses == null) return Optional.empty();
            return firstInternal(uri.getHost(), addresses).map(a -> message(Refusal.INTERNAL));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static String message(Refusal refusal) {
        return switch (refusal) {
            case NOT_HTTP -> "The webhook URL must be an http:// or https:// URL.";
            // Which address is not said: that would let anyone map the server's internal names.
            case INTERNAL -> "The webhook URL leads to an internal address (loopback, private or link-local network). "
                    + "Keydesk only calls public addresses.";
        };
    }

    private static boolean isHttp(URI uri) {
        String scheme = uri.getScheme();
        return scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                && uri.getHost() != null && !uri.getHost().isEmpty();
    }

    private Optional<InetAddress> firstInternal(String host, InetAddress[] addresses) {
        if (allowPrivate) return Optional.empty();
        for (InetAddress address : addresses) {
            if (isInternal(address)) {
                // The delivery log, which bot owners read, does not say which address: that would map internal DNS.
                log.warn("Refused a webhook target {}: it resolves to {}", host, address.getHostAddress());
                return Optional.of(address);
            }
        }
        return Optional.empty();
    }

    static boolean isInternal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (b.length == 4) {
            int first = b[0] & 0xFF;
            int second = b[1] & 0xFF;
            return first == 0 || (first == 100 && second >= 64 && second <= 127) // shared address space
                    || (first == 192 && second == 0 && (b[2] & 0xFF) == 0)      // IETF protocol assignments
                    || (first == 198 && (second == 18 || second == 19))           // benchmarking
                    || first >= 240;                                              // reserved
        }
        if (a instanceof Inet6Address v6) {
            if ((b[0] & 0xFE) == 0xFC) return true; // unique local fc00::/7
            if (v6.isIPv4CompatibleAddress()) return true;
            boolean mapped = true; // ::ffff:a.b.c.d
            for (int i = 0; i < 10; i++) if (b[i] != 0) mapped = false;
            if (mapped && (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF) return embeddedIsInternal(b, 12);
            boolean nat64 = (b[0] & 0xFF) == 0x00 && (b[1] & 0xFF) == 0x64 && (b[2] & 0xFF) == 0xFF && (b[3] & 0xFF) == 0x9B;
            for (int i = 4; i < 12 && nat64; i++) if (b[i] != 0) nat64 = false;
            if (nat64) return embeddedIsInternal(b, 12);                                   // 64:ff9b::a.b.c.d
            if ((b[0] & 0xFF) == 0x20 && (b[1] & 0xFF) == 0x02) return embeddedIsInternal(b, 2); // 6to4 2002:a.b.c.d::
        }
        return false;
    }

    /** An IPv6 address that carries an IPv4 one (at {@code offset}) is as internal as that address. */
    private static boolean embeddedIsInternal(byte[] v6, int offset) {
        try {
            return isInternal(InetAddress.getByAddress(new byte[] {v6[offset], v6[offset + 1], v6[offset + 2], v6[offset + 3]}));
        } catch (UnknownHostException e) {
            return true;
        }
    }
}
