package dev.keydesk.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The X-Keydesk-Signature header: {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">},
 * keyed with the bot's token. Receivers recompute it, and refuse old timestamps to stop replays.
 */
public final class WebhookSignature {
    public static final String HEADER = "X-Keydesk-Signature";

    private WebhookSignature() {}

    public static String header(String token, long timestamp, String body) {
        return "t=" + timestamp + ",v1=" + hmacHex(token, timestamp + "." + body);
    }

    public static String hmacHex(String key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
