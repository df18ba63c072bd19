package dev.keydesk.web;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.util.Arrays;

/**
 * One-shot notices shown after a redirect. The cookie carries only the notice's name, never
 * free text, so nobody can make Keydesk display words of their choosing.
 */
public enum Flash {
    PASSWORD_CHANGED("Your password has been changed, and your other sessions and your devices have been logged out.",
            "Your password has been changed, and your other sessions have been logged out. %s", true),
    LOGGED_OUT("You have been logged out."),
    WELCOME("Your organization is ready. Welcome to Keydesk!"),
    BOT_CREATED("Your bot has been created. Its API key and zuliprc are below."),
    BOT_UPDATED("The bot has been updated."),
    BOT_KEY_REGENERATED("The bot has a new API key. The old key no longer works."),
    BOT_DEACTIVATED("The bot has been blocked. Its key stops working until you unblock it.",
            "%s has been blocked. Its key stops working until you unblock it."),
    BOT_REACTIVATED("The bot has been unblocked with the API key it had before.",
            "%s has been unblocked with the API key it had before."),
    LOOKED_UP_KEY_REPLACED("The key was replaced: the value you looked up no longer works. Its owner finds the new key in Keydesk."),
    LOOKED_UP_KEY_BLOCKED("The key was blocked: its bot authenticates nothing until it is unblocked on the Keys page."),
    BOT_KEY_ROTATED("The bot has a new API key. The old key keeps working until the end of its grace period."),
    GRACE_PERIOD_ENDED("The grace period has ended: the old key no longer works."),
    KEY_EXPIRY_CHANGED("The key's expiry was changed."),
    KEY_POLICY_CHANGED("The maximum lifetime for bot keys was changed."),
    DEVICE_LOGGED_OUT("The device has been logged out: its key no longer works."),
    API_KEY_REGENERATED("Your new API key is ready. The old key no longer works, and every device that used it has been logged out."),
    ROLE_CHANGED("The role was changed.", "%s's role was changed."),
    USER_DEACTIVATED("The account was deactivated: its sessions ended and its API key is refused.",
            "%s was deactivated: their sessions ended and their API key is refused."),
    USER_REACTIVATED("The account was reactivated.", "%s was reactivated."),
    MEMBER_KEY_REGENERATED("A new API key was generated. The old key no longer works and the member's devices were logged out.",
            "%s has a new API key. The old key no longer works and their devices were logged out."),
    INVITATION_REVOKED("The invitation was revoked."),
    INVITATION_ACCEPTED("Welcome! Your account is ready."),
    PASSWORD_RESET("Your password has been changed, and your sessions and devices have been logged out. Log in with the new one.",
            "Your password has been changed, and your sessions have been logged out. %s Log in with the new one.", true),
    SERVICE_MODIFIED("The service was changed."),
    SERVICE_MEMBER_ADDED("The account may now call the service."),
    SERVICE_MEMBER_REMOVED("The account may no longer call the service."),
    SERVICE_DELETED("The service was deleted. Its token no longer works.");

    private static final String COOKIE = "keydesk_flash";
    private static final String SECURE_ATTR = "keydesk.secure-cookies";
    private final String message;
    /**
     * The same notice naming the account it is about ({@code %s}), or saying how many devices were
     * logged out; null for notices that do neither.
     */
    private final String namedMessage;
    /** Whether the number the cookie carries is a count of devices logged out rather than an account's id. */
    private final boolean countsDevices;

    Flash(String message) {
        this(message, null);
    }

    Flash(String message, String namedMessage) {
        this(message, namedMessage, false);
    }

    Flash(String message, String namedMessage, boolean countsDevices) {
        this.message = message;
        this.namedMessage = namedMessage;
        this.countsDevices = countsDevices;
    }

    /**
     * A notice taken from its cookie, with the id of the account it is about (or null). The page
     * looks the name up itself: the cookie holds an id, never words.
     */
    public record Taken(Flash flash, Long subjectId) {
        /**
         * The notice naming {@code subjectName}, or its general wording when there is no name to
         * give; a notice that counts devices says how many, whatever the name.
         */
        public String message(String subjectName) {
            if (flash.countsDevices) {
                return subjectId == null ? flash.message : String.format(flash.namedMessage, devicesLoggedOut(subjectId));
            }
            return flash.namedMessage != null && subjectName != null
                    ? String.format(flash.namedMessage, subjectName) : flash.message;
        }

        public boolean isAbout(long id) {
            return subjectId != null && subjectId == id;
        }
    }

    public String message() {
        return message;
    }

    /** Marks the request as served over https, so the notice's cookie is Secure like the session's. */
    public static void useSecureCookie(Context ctx, boolean secure) {
        ctx.attribute(SECURE_ATTR, secure);
    }

    /** Whether one-shot cookies of this request must be Secure, like the session's. */
    public static boolean secureCookies(Context ctx) {
        return Boolean.TRUE.equals(ctx.attribute(SECURE_ATTR));
    }

    public void set(Context ctx) {
        write(ctx, name());
    }

    /** The notice about one account, which the next page names and highlights. */
    public void set(Context ctx, long subjectId) {
        write(ctx, name() + "." + subjectId);
    }

    /** A notice that says how many devices were logged out (the cookie carries the number only). */
    public void setDevicesLoggedOut(Context ctx, int devices) {
        if (!countsDevices) throw new IllegalArgumentException(name() + " does not count devices");
        write(ctx, name() + "." + devices);
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
        Long id = subject;
        return Arrays.stream(values()).filter(f -> f.name().equals(name)).findFirst()
                .map(f -> new Taken(f, id)).orElse(null);
    }
}
