package dev.keydesk.support;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An authenticator app for the tests, written from RFC 6238 apart from the product's code (which
 * uses a library): HMAC-SHA-1 over the 30-second step, dynamic truncation, six digits. Also moves
 * the shared test clock to just after the start of a step, so a test has a whole step to act in
 * before "now" moves on.
 */
public final class TestTotp {
    private TestTotp() {}

    public static byte[] decodeBase32(String text) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char c : text.replace(" ", "").toUpperCase(Locale.ROOT).toCharArray()) {
            int value = alphabet.indexOf(c);
            if (value < 0) throw new IllegalArgumentException("Not base32: " + c);
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }

    public static String code(byte[] secret, long step) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret, "HmacSHA1"));
            byte[] hash = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int offset = hash[hash.length - 1] & 0x0f;
            int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
                    | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
            return String.format("%06d", binary % 1_000_000);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String code(String base32, long step) {
        return code(decodeBase32(base32), step);
    }

    public static long stepNow() {
        return TestKeydesk.CLOCK.instant().getEpochSecond() / 30;
    }

    /** Moves the test clock to half a second into the next step, and returns that step. */
    public static long alignToNextStep() {
        Instant now = TestKeydesk.CLOCK.instant();
        long intoStepMillis = now.toEpochMilli() % 30_000;
        TestKeydesk.CLOCK.advance(Duration.ofMillis(30_000 - intoStepMillis + 500));
        return stepNow();
    }

    /** A six-digit code that is none of the codes of the steps around {@code step}. */
    public static String wrongCode(String base32, long step) {
        for (int n = 0; ; n++) {
            String candidate = String.format("%06d", (123_456 + n * 7919) % 1_000_000);
            boolean inWindow = false;
            for (long s = step - 2; s <= step + 2; s++) inWindow |= candidate.equals(code(base32, s));
            if (!inWindow) return candidate;
        }
    }
}
