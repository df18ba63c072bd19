package dev.keydesk.device;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names a client the way Zulip does: a {@code client} request parameter wins; otherwise the name
 * part of the User-Agent ("ZulipMobile/27.1 (Android 14)" → "ZulipMobile"), using Zulip's own
 * pattern for it; without a User-Agent the client is "Unspecified".
 */
public final class ClientName {
    private static final int MAX = 100;
    /** Zulip's User-Agent pattern: a name, an optional "/version", then anything after a space or slash. */
    private static final Pattern USER_AGENT = Pattern.compile("^(?<name>[^/ ]*[^0-9/(]*)(/(?<version>[^/ ]*))?([ /].*)?$",
            Pattern.DOTALL);

    private ClientName() {}

    /** {@code requested} is the request's {@code client} parameter, if any. */
    public static String of(String requested, String userAgent) {
        if (requested != null) return clean(requested);
        return fromUserAgent(userAgent);
    }

    public static String fromUserAgent(String userAgent) {
        if (userAgent == null) return "Unspecified";
        Matcher m = USER_AGENT.matcher(userAgent);
        return clean(m.matches() ? m.group("name") : userAgent);
    }

    private static String clean(String name) {
        String cleaned = name.replaceAll("\\p{Cntrl}", "").strip();
        if (cleaned.isEmpty()) return "Unspecified";
        return cleaned.length() > MAX ? cleaned.substring(0, MAX) : cleaned;
    }

    public static String truncatedUserAgent(String userAgent) {
        if (userAgent == null) return "";
        String cleaned = userAgent.replaceAll("\\p{Cntrl}", "");
        return cleaned.length() > 500 ? cleaned.substring(0, 500) : cleaned;
    }
}
