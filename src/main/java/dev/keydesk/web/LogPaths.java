package dev.keydesk.web;

/** Request paths as they may appear in logs: the one-time setup token is a secret until used. */
public final class LogPaths {
    private LogPaths() {}

    public static String loggable(String path) {
        return path.startsWith("/setup/") ? "/setup/…" : path;
    }
}
