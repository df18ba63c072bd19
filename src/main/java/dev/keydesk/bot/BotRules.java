package dev.keydesk.bot;

import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.AccountRules;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/** What Keydesk accepts for a bot's name, short name, type, payload URL and interface. */
public final class BotRules {
    public static final int MIN_NAME = 2;
    public static final int MAX_NAME = 100;
    public static final int MAX_URL = 2000;
    /** The field a payload URL's errors are about, whatever a form calls its input. */
    public static final String PAYLOAD_URL = "payload_url";
    /** The field a message about a bot's name is about. */
    public static final String FULL_NAME = "full_name";
    private static final Pattern SHORT_NAME = Pattern.compile("[a-z0-9][a-z0-9._+-]{0,39}");

    private BotRules() {}

    /**
     * A refusal a Zulip client may compare word for word: the API answers with Zulip's exact
     * message ({@link #zulipMessage()}), the page forms with Keydesk's fuller explanation.
     */
    public static final class Refused extends InvalidInputException {
        private final String zulipMessage;

        public Refused(String field, String message, String zulipMessage) {
            super(field, message);
            this.zulipMessage = zulipMessage;
        }

        public String zulipMessage() {
            return zulipMessage;
        }
    }

    /** Zulip's check_url message for the payload URL (the API names its own parameter in it). */
    public static final String NOT_A_URL = "payload_url is not a URL";

    public static String fullName(String raw) {
        String name = raw == null ? "" : raw.strip();
        if (AccountRules.hasControlCharacters(name)) {
            throw new InvalidInputException(FULL_NAME, "Invalid characters in name!");
        }
        if (name.length() < MIN_NAME) throw new InvalidInputException(FULL_NAME, "Name too short!");
        if (name.length() > MAX_NAME) throw new InvalidInputException(FULL_NAME, "Name too long!");
        return name;
    }

    public static String shortName(String raw) {
        String name = raw == null ? "" : raw.strip().toLowerCase(Locale.ROOT);
        if (!SHORT_NAME.matcher(name).matches()) {
            throw new Refused(null, "Bad name or username: use up to 40 letters, digits, dots, dashes, underscores or plus signs.",
                    "Bad name or username");
        }
        return name;
    }

    /** A short name made from a bot's name: "Deploy Hook (prod)" → "deploy-hook-prod". */
    public static String shortNameFrom(String fullName) {
        String slug = java.text.Normalizer.normalize(fullName, java.text.Normalizer.Form.NFKD)
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        if (slug.length() > 30) slug = slug.substring(0, 30).replaceAll("-+$", "");
        return slug.isEmpty() ? "key" : slug;
    }

    public static BotType type(String raw) {
        if (raw == null || raw.isBlank()) return BotType.GENERIC;
        try {
            return BotType.fromCode(Integer.parseInt(raw.trim()))
                    .orElseThrow(() -> new InvalidInputException("Invalid bot type"));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("Invalid bot type");
        }
    }

    public static BotInterface botInterface(String raw) {
        if (raw == null || raw.isBlank()) return BotInterface.ZULIP;
        try {
            return BotInterface.fromCode(Integer.parseInt(raw.trim()))
                    .orElseThrow(() -> new InvalidInputException("Invalid interface type"));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("Invalid interface type");
        }
    }

    /** An absolute http(s) URL with a host; anything else (javascript:, file:, relative) is refused. */
    public static String payloadUrl(String raw) {
        String url = raw == null ? "" : raw.strip();
        if (url.isEmpty()) throw new Refused(PAYLOAD_URL, "Outgoing webhook bots need a payload URL.", NOT_A_URL);
        if (url.length() > MAX_URL) throw new Refused(PAYLOAD_URL, "The payload URL is too long.", NOT_A_URL);
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null || uri.getHost().isEmpty()) {
                throw new Refused(PAYLOAD_URL, "The payload URL must be an http:// or https:// URL.", NOT_A_URL);
            }
            return url;
        } catch (URISyntaxException e) {
            throw new Refused(PAYLOAD_URL, "The payload URL must be an http:// or https:// URL.", NOT_A_URL);
        }
    }
}
