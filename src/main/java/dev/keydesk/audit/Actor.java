package dev.keydesk.audit;

/**
 * Who made a change and from where. {@code userId} is null for the command line and for
 * anonymous requests (a leak report, a failed password entry before anyone is known).
 */
public record Actor(Long userId, String ip, String via) {
    public static Actor user(long userId, String ip) {
        return new Actor(userId, ip, "web");
    }

    public static Actor api(long userId, String ip) {
        return new Actor(userId, ip, "api");
    }

    /** Someone unknown who reported leaked keys to the public report endpoint. */
    public static Actor leakReport(String ip) {
        return new Actor(null, ip, "leak report");
    }

    public static Actor commandLine() {
        return new Actor(null, null, "command line");
    }
}
