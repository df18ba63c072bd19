package dev.keydesk.guard;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Whether a forward-auth question is about a state-changing request that a browser made on
 * another site's behalf. Every signal is read and any one that says "write" or "elsewhere"
 * counts: a client can add headers of its own (nginx passes them on to Keydesk beside the ones
 * the recipe sets), but no header it adds can turn a write into a read or another site into
 * this one.
 */
final class CrossSiteWrite {
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    /** The method as proxies report it: Traefik and Caddy in the first, the nginx recipe of docs/running.md in the second. */
    private static final List<String> METHOD_HEADERS = List.of("X-Forwarded-Method", "X-Original-Method");
    /** {@code Sec-Fetch-Site} values of a request the browser made for a page of the same origin, or for the person. */
    private static final Set<String> OWN_FETCHES = Set.of("same-origin", "none");

    private CrossSiteWrite() {}

    /**
     * {@code method} is the question's own method (Envoy asks with the original one);
     * {@code headers} gives every value of a header, none when it is absent.
     */
    static boolean test(String method, Function<String, List<String>> headers) {
        return isWrite(method, headers) && isFromElsewhere(headers);
    }

    static boolean isWrite(String method, Function<String, List<String>> headers) {
        List<String> methods = new ArrayList<>();
        methods.add(method);
        for (String name : METHOD_HEADERS) methods.addAll(entries(headers.apply(name)));
        return methods.stream().anyMatch(m -> !SAFE_METHODS.contains(m.strip().toUpperCase(Locale.ROOT)));
    }

    /**
     * Marked as another site's by the browser ({@code Sec-Fetch-Site}), or, from browsers that
     * send no fetch metadata, by an {@code Origin} that is not the service's own host.
     */
    static boolean isFromElsewhere(Function<String, List<String>> headers) {
        for (String site : headers.apply("Sec-Fetch-Site")) {
            if (!OWN_FETCHES.contains(site.strip().toLowerCase(Locale.ROOT))) return true;
        }
        List<String> origins = headers.apply("Origin");
        if (origins.isEmpty()) return false;
        // The host the client asked for: proxies that ask Keydesk with a host of their own (nginx,
        // Traefik, Caddy) forward it; Envoy asks with the original Host.
        List<String> hosts = entries(headers.apply("X-Forwarded-Host"));
        if (hosts.isEmpty()) hosts = headers.apply("Host");
        if (hosts.isEmpty()) return true;
        for (String origin : origins) {
            String authority = originAuthority(origin);
            if (authority == null) return true;
            for (String host : hosts) {
                if (!authority.equals(withoutDefaultPort(host.strip().toLowerCase(Locale.ROOT)))) return true;
            }
        }
        return false;
    }

    /** The host and any port other than the scheme's own, in lower case; null for "null" or anything not an origin. */
    private static String originAuthority(String origin) {
        URI uri;
        try {
            uri = new URI(origin.strip());
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = uri.getScheme();
        if (scheme == null || uri.getHost() == null || uri.getRawUserInfo() != null) return null;
        scheme = scheme.toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return defaultPort ? host : host + ":" + port;
    }

    /** A Host header holds no scheme, so either usual port stands for the host alone. */
    private static String withoutDefaultPort(String host) {
        if (host.endsWith(":80")) return host.substring(0, host.length() - 3);
        if (host.endsWith(":443")) return host.substring(0, host.length() - 4);
        return host;
    }

    /** Every comma-separated entry of every value. */
    private static List<String> entries(List<String> values) {
        List<String> entries = new ArrayList<>();
        for (String value : values) {
            for (String entry : value.split(",", -1)) entries.add(entry.strip());
        }
        return entries;
    }
}
