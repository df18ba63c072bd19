package dev.keydesk.web;

import java.util.List;

/**
 * Request lines as they may appear in logs: one-time links carry secrets in their last segment, and
 * a method name is whatever the client sent, up to the server's header limit.
 */
public final class LogPaths {
    /** Longer than any method with a meaning on the web. */
    static final int METHOD_CHARS = 16;
    private static final List<String> SECRET_LINKS = List.of("/setup/", "/invite/", "/accounts/password/reset/");

    private LogPaths() {}

    public static String loggable(String path) {
        for (String prefix : SECRET_LINKS) {
            if (path.startsWith(prefix) && path.length() > prefix.length()) return prefix + "…";
        }
        return path;
    }

    /** The method, cut short when a client made up a long one, so junk requests cannot swell the log. */
    public static String loggableMethod(String method) {
        return method.length() <= METHOD_CHARS ? method : method.substring(0, METHOD_CHARS) + "…";
    }
}
