package dev.keydesk.device;

/** Names a client after the first product token of its User-Agent ("ZulipMobile/27.1 …" → "ZulipMobile"). */
public final class ClientName {
    private static final int MAX = 100;

    private ClientName() {}

    public static String fromUserAgent(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) return "Unknown client";
        String first = userAgent.strip().split("[\\s/]", 2)[0];
        String cleaned = first.replaceAll("\\p{Cntrl}", "");
        if (cleaned.isEmpty()) return "Unknown client";
        return cleaned.length() > MAX ? cleaned.substring(0, MAX) : cleaned;
    }

    public static String truncatedUserAgent(String userAgent) {
        if (userAgent == null) return "";
        String cleaned = userAgent.replaceAll("\\p{Cntrl}", "");
        return cleaned.length() > 500 ? cleaned.substring(0, 500) : cleaned;
    }
}
