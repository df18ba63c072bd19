package dev.keydesk.web;

import dev.keydesk.config.IpAddresses;
import dev.keydesk.config.TrustedProxies;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The client's address, the one rate limits, audit rows and devices record: Javalin resolves
 * {@code ctx.ip()} through {@link #of(Context)}, so every route gets it without knowing about
 * proxies.
 *
 * <p>Only when the TCP peer is a trusted proxy are the forwarding headers believed:
 * {@code X-Forwarded-For}, or else RFC 7239 {@code Forwarded}'s {@code for=}. Each proxy appends
 * the address it got the request from, so the list is read from the right: trusted proxies are
 * skipped and the right-most address that is not one is the client (anything to its left was
 * written by the client itself and proves nothing). If every hop is trusted, the left-most is
 * taken. A hop that is not an IP address (a name, {@code unknown}, garbage) stops the walk and
 * the peer address is used, as when nothing is trusted.
 */
public final class ClientAddress {
    private static final String ATTRIBUTE = "keydesk.client-address";

    private final TrustedProxies trusted;

    public ClientAddress(TrustedProxies trusted) {
        this.trusted = trusted;
    }

    /** For {@code config.contextResolver.ip}: computed once per request. */
    public String of(Context ctx) {
        String cached = ctx.attribute(ATTRIBUTE);
        if (cached != null) return cached;
        HttpServletRequest req = ctx.req();
        String address = resolve(req.getRemoteAddr(), headerLines(req, "X-Forwarded-For"), headerLines(req, "Forwarded"));
        ctx.attribute(ATTRIBUTE, address);
        return address;
    }

    private static List<String> headerLines(HttpServletRequest req, String name) {
        var values = req.getHeaders(name);
        return values == null ? List.of() : Collections.list(values);
    }

    /**
     * The client's address, given the TCP peer's address and every line of the request's
     * X-Forwarded-For and Forwarded headers.
     */
    public String resolve(String peer, List<String> forwardedFor, List<String> forwarded) {
        Optional<InetAddress> peerAddress = parsePeer(peer);
        if (peerAddress.isEmpty()) return peer;
        String peerText = IpAddresses.format(peerAddress.get());
        if (trusted.isEmpty() || !trusted.trusts(peerAddress.get())) return peerText;
        List<String> hops = forwardedForHops(forwardedFor);
        if (hops.isEmpty()) {
            Optional<List<String>> forHops = forwardedHops(forwarded);
            if (forHops.isEmpty()) return peerText;
            hops = forHops.get();
        }
        InetAddress leftMost = null;
        for (int i = hops.size() - 1; i >= 0; i--) {
            Optional<InetAddress> hop = parseHop(hops.get(i));
            if (hop.isEmpty()) return peerText;
            if (!trusted.trusts(hop.get())) return IpAddresses.format(hop.get());
            leftMost = hop.get();
        }
        return leftMost == null ? peerText : IpAddresses.format(leftMost);
    }

    /** The servlet container's peer address: a literal, perhaps in brackets or with an IPv6 zone. */
    private static Optional<InetAddress> parsePeer(String peer) {
        if (peer == null) return Optional.empty();
        String text = peer.startsWith("[") && peer.endsWith("]") ? peer.substring(1, peer.length() - 1) : peer;
        int zone = text.indexOf('%');
        return IpAddresses.parse(zone < 0 ? text : text.substring(0, zone));
    }

    /** X-Forwarded-For's entries, every line joined in order; empty when the header is absent or blank. */
    private static List<String> forwardedForHops(List<String> lines) {
        List<String> hops = new ArrayList<>();
        boolean any = false;
        for (String line : lines) {
            if (line == null || line.isBlank()) continue;
            any = true;
            for (String entry : line.split(",", -1)) hops.add(entry.trim());
        }
        return any ? hops : List.of();
    }

    /**
     * The {@code for=} values of RFC 7239 Forwarded, every element of every line in order;
     * empty when the header is absent, or malformed (an element without exactly one {@code for=},
     * broken quoting).
     */
    static Optional<List<String>> forwardedHops(List<String> lines) {
        List<String> hops = new ArrayList<>();
        for (String line : lines) {
            if (line == null || line.isBlank()) continue;
            List<String> elements = splitOutsideQuotes(line, ',');
            if (elements == null) return Optional.empty();
            for (String element : elements) {
                List<String> pairs = splitOutsideQuotes(element, ';');
                String forValue = null;
                for (String pair : pairs) {
                    int eq = pair.indexOf('=');
                    if (eq <= 0) return Optional.empty();
                    if (!pair.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) continue;
                    if (forValue != null) return Optional.empty();
                    forValue = unquote(pair.substring(eq + 1).trim());
                    if (forValue == null) return Optional.empty();
                }
                if (forValue == null) return Optional.empty();
                hops.add(forValue);
            }
        }
        return hops.isEmpty() ? Optional.empty() : Optional.of(hops);
    }

    /** Splits at {@code separator} outside double quotes; null if a quote is left open. */
    private static List<String> splitOutsideQuotes(String text, char separator) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == separator && !quoted) {
                parts.add(text.substring(start, i).trim());
                start = i + 1;
            }
        }
        if (quoted) return null;
        parts.add(text.substring(start).trim());
        return parts;
    }

    /** A token as is, or a quoted-string without its quotes and escapes; null if malformed. */
    private static String unquote(String value) {
        if (value.isEmpty() || value.charAt(0) != '"') return value;
        if (value.length() < 2 || value.charAt(value.length() - 1) != '"') return null;
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length() - 1) c = value.charAt(++i);
            out.append(c);
        }
        return out.toString();
    }

    /**
     * One hop: an address, as proxies write them: {@code 192.0.2.1}, {@code 192.0.2.1:4711},
     * {@code 2001:db8::1}, {@code [2001:db8::1]} or {@code [2001:db8::1]:4711}.
     */
    static Optional<InetAddress> parseHop(String raw) {
        String text = raw.trim();
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            if (end < 0 || !isPortOrNothing(text.substring(end + 1))) return Optional.empty();
            String inner = text.substring(1, end);
            return inner.indexOf(':') < 0 ? Optional.empty() : IpAddresses.parse(inner);
        }
        int colon = text.indexOf(':');
        if (colon >= 0 && colon == text.lastIndexOf(':')) { // IPv4 with a port
            String host = text.substring(0, colon);
            return isPortOrNothing(text.substring(colon)) ? IpAddresses.parse(host) : Optional.empty();
        }
        return IpAddresses.parse(text);
    }

    private static boolean isPortOrNothing(String text) {
        if (text.isEmpty()) return true;
        if (text.charAt(0) != ':' || text.length() < 2 || text.length() > 6) return false;
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') return false;
        }
        return true;
    }
}
