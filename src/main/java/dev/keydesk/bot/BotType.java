package dev.keydesk.bot;

import java.util.Arrays;
import java.util.Optional;

/** Zulip's bot types, with their numbers. */
public enum BotType {
    GENERIC(1, "Generic"),
    INCOMING_WEBHOOK(2, "Incoming webhook"),
    OUTGOING_WEBHOOK(3, "Outgoing webhook");

    private final int code;
    private final String label;

    BotType(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    public String label() {
        return label;
    }

    public static Optional<BotType> fromCode(int code) {
        return Arrays.stream(values()).filter(t -> t.code == code).findFirst();
    }
}
