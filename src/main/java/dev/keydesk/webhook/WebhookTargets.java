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
                throw new DeliveryFailure("refused: " + uri.getHost() + " resolves to the internal address "
                        + address.getHostAddress(), true);
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
                    || first >= 240;                                              // reserved
        }
        if (a instanceof Inet6Address v6) {
            if ((b[0] & 0xFE) == 0xFC) return true; // unique local fc00::/7
            if (v6.isIPv4CompatibleAddress()) return true;
            boolean mapped = true; // ::ffff:a.b.c.d
            for (int i = 0; i < 10; i++) if (b[i] != 0) mapped = false;
            if (mapped && (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF) {
                try {
                    return isInternal(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }
}
