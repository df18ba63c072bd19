package dev.keydesk.web;

import java.util.List;

/** Request paths as they may appear in logs: one-time links carry secrets in their last segment. */
public final class LogPaths {
    private static final List<String> SECRET_LINKS = List.of("/setup/", "/invite/", "/accounts/password/reset/");

    private LogPaths() {}

    public static String loggable(String path) {
        for (String prefix : SECRET_LINKS) {
            if (path.startsWith(prefix) && path.length() > prefix.length()) return prefix + "…";
        }
        return path;
    }
}
