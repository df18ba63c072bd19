package dev.keydesk.webhook;

import dev.keydesk.outbox.DeliveryFailure;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Keeps webhook calls away from the server's own network: an address that resolves to
 * loopback, private, link-local (including cloud metadata at 169.254.169.254), shared (CGNAT),
 * unique-local or multicast space is refused, unless KEYDESK_WEBHOOKS_ALLOW_PRIVATE is set.
 * Checked after DNS resolution and again for every redirect.
 */
public final class WebhookTargets {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WebhookTargets.class);
    private final boolean allowPrivate;

    public WebhookTargets(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    public void check(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.getHost() == null) {
            throw new DeliveryFailure("refused: not an http(s) URL", true);
        }
        if (allowPrivate) return;
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw new DeliveryFailure("cannot resolve " + uri.getHost(), false);
        }
        for (InetAddress address : addresses) {
            if (isInternal(address)) {
                // The delivery log, which bot owners read, does not say which address: that would map internal DNS.
                log.warn("Refused a webhook call to {}: it resolves to {}", uri.getHost(), address.getHostAddress());
                throw new DeliveryFailure("refused: the host resolves to an internal address", true);
            }
        }
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
