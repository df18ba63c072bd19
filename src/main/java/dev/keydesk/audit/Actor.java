package dev.keydesk.audit;

/**
 * Who made a change and from where. {@code userId} is null for the command line, for background
 * work and for anonymous requests (a leak report, a failed password entry before anyone is known).
 * {@code key} names the API key that authorized an API request (main, which device, an old key),
 * else null.
 */
public record Actor(Long userId, String ip, String via, String key) {
    public Actor(Long userId, String ip, String via) {
        this(userId, ip, via, null);
    }

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

    /** An API request, naming the key that authorized it. */
    public static Actor api(long userId, String ip, String key) {
        return new Actor(userId, ip, "api", key);
    }

    public static Actor commandLine() {
        return new Actor(null, null, "command line");
    }

    /** Keydesk itself, when a deadline passes. */
    public static Actor system() {
        return new Actor(null, null, "keydesk");
    }
}
