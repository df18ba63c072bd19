package dev.keydesk.web;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One-shot notices shown after a redirect. The cookie carries only the notice's name, never
 * free text, so nobody can make Keydesk display words of their choosing. Each feature owns its
 * notices (an enum implementing {@link Notice}); the application makes them {@link #known} at
 * start, so that any page can show a notice whichever feature set it.
 */
public final class Flash {
    private Flash() {}

    /**
     * What a notice says: its general wording, and the same notice naming the account it is about
     * ({@code %s}) or saying how many devices were logged out ({@code namedMessage}, null for
     * notices that do neither); {@code countsDevices} says whether the number the cookie carries
     * is such a count rather than an account's id.
     */
    public record Words(String message, String namedMessage, boolean countsDevices) {
        public static Words of(String message) {
            return new Words(message, null, false);
        }

        public static Words of(String message, String namedMessage) {
            return new Words(message, namedMessage, false);
        }

        public static Words counting(String message, String namedMessage) {
            return new Words(message, namedMessage, true);
        }
    }

    /** A feature's notice: an enum constant, whose name its cookie carries. */
    public interface Notice {
        String name();

        Words words();

        default String message() {
            return words().message();
        }

        default void set(Context ctx) {
            write(ctx, name());
        }

        /** The notice about one account, which the next page names and highlights. */
        default void set(Context ctx, long subjectId) {
            write(ctx, name() + "." + subjectId);
        }

        /** A notice that says how many devices were logged out (the cookie carries the number only). */
        default void setDevicesLoggedOut(Context ctx, int devices) {
            if (!words().countsDevices()) throw new IllegalArgumentException(name() + " does not count devices");
            write(ctx, name() + "." + devices);
        }
    }

    private static final Map<String, Notice> KNOWN = new ConcurrentHashMap<>();

    /** Makes the notices of a feature readable from their cookie; two notices may not share a name. */
    public static void known(Notice[]... groups) {
        for (Notice[] group : groups) {
            for (Notice notice : group) {
                Notice before = KNOWN.putIfAbsent(notice.name(), notice);
                if (before != null && before != notice) {
                    throw new IllegalStateException("Two notices are named " + notice.name());
                }
            }
        }
    }

    private static final String COOKIE = "keydesk_flash";
    private static final String SECURE_ATTR = "keydesk.secure-cookies";
    /**
     * A notice taken from its cookie, with the id of the account it is about (or null). The page
     * looks the name up itself: the cookie holds an id, never words.
     */
    public record Taken(Notice flash, Long subjectId) {
        /**
         * The notice naming {@code subjectName}, or its general wording when there is no name to
         * give; a notice that counts devices says how many, whatever the name.
         */
        public String message(String subjectName) {
            Words words = flash.words();
            if (words.countsDevices()) {
                return subjectId == null ? words.message() : String.format(words.namedMessage(), devicesLoggedOut(subjectId));
            }
            return words.namedMessage() != null && subjectName != null
                    ? String.format(words.namedMessage(), subjectName) : words.message();
        }

        public boolean isAbout(long id) {
            return subjectId != null && subjectId == id;
        }
    }

    /** Marks the request as served over https, so the notice's cookie is Secure like the session's. */
    public static void useSecureCookie(Context ctx, boolean secure) {
        ctx.attribute(SECURE_ATTR, secure);
    }

    /** Whether one-shot cookies of this request must be Secure, like the session's. */
    public static boolean secureCookies(Context ctx) {
        return Boolean.TRUE.equals(ctx.attribute(SECURE_ATTR));
    }

    private static String devicesLoggedOut(long devices) {
        if (devices <= 0) return "No device was logged in with a key of its own.";
        if (devices == 1) return "1 device was logged out: its key no longer works.";
        return devices + " devices were logged out: their keys no longer work.";
    }

    private static void write(Context ctx, String value) {
        boolean secure = secureCookies(ctx);
        ctx.cookie(new Cookie(COOKIE, value, "/", -1, secure, true, null, SameSite.LAX));
    }

    /** The pending notice, if any, in its general wording (with its count, for one that counts); reading it clears it. */
    public static String take(Context ctx) {
        Taken taken = takeWithSubject(ctx);
        return taken == null ? null : taken.message(null);
    }

    /** The pending notice and whom it is about, if any; reading it clears it. */
    public static Taken takeWithSubject(Context ctx) {
        String value = ctx.cookie(COOKIE);
        if (value == null) return null;
        ctx.removeCookie(COOKIE, "/");
        int dot = value.indexOf('.');
        String name = dot < 0 ? value : value.substring(0, dot);
        Long subject = null;
        if (dot >= 0) {
            try {
                subject = Long.parseLong(value.substring(dot + 1));
            } catch (NumberFormatException e) {
                return null; // not a cookie this class wrote
            }
        }
        Notice notice = KNOWN.get(name);
        return notice == null ? null : new Taken(notice, subject);
    }
}
