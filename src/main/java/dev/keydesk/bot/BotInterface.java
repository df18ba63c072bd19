package dev.keydesk.bot;

import java.util.Arrays;
import java.util.Optional;

/** The format an outgoing webhook bot's events are sent in (Zulip's interface numbers). */
public enum BotInterface {
    ZULIP(1, "Zulip"),
    SLACK(2, "Slack-compatible");

    private final int code;
    private final String label;

    BotInterface(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    public String label() {
        return label;
    }

    public static Optional<BotInterface> fromCode(int code) {
        return Arrays.stream(values()).filter(t -> t.code == code).findFirst();
    }
}
