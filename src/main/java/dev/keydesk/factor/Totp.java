package dev.keydesk.factor;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import dev.keydesk.security.Tokens;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.time.Duration;
import java.time.Instant;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticator-app codes as RFC 6238 defines them and every common app reads them: HMAC-SHA-1,
 * six digits, 30-second steps. The HMAC and truncation come from java-otp; this class only names
 * steps, so that a code is tied to the one step it was accepted in (and a replay is refused).
 */
public final class Totp {
    public static final Duration STEP = Duration.ofSeconds(30);
    public static final int DIGITS = 6;
    /** Steps accepted on either side of the current one, for clocks that drift. */
    public static final int DRIFT_STEPS = 1;
    /** 160 bits, the HMAC-SHA-1 block's natural key size that RFC 4226 recommends. */
    static final int SECRET_BYTES = 20;
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private static final TimeBasedOneTimePasswordGenerator GENERATOR =
            new TimeBasedOneTimePasswordGenerator(STEP, DIGITS, TimeBasedOneTimePasswordGenerator.TOTP_ALGORITHM_HMAC_SHA1);

    private Totp() {}

    public static byte[] newSecret() {
        byte[] secret = new byte[SECRET_BYTES];
        Tokens.random().nextBytes(secret);
        return secret;
    }

    /** The step an instant falls in. */
    public static long stepOf(Instant instant) {
        return Math.floorDiv(instant.getEpochSecond(), STEP.toSeconds());
    }

    /** The code an app shows during {@code step}. */
    public static String codeAt(byte[] secret, long step) {
        try {
            return GENERATOR.generateOneTimePasswordString(new SecretKeySpec(secret, GENERATOR.getAlgorithm()),
                    Instant.ofEpochSecond(step * STEP.toSeconds()));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("An HMAC-SHA-1 key was refused", e);
        }
    }

    /**
     * The step within the drift window around {@code now} whose code is {@code code}, or -1. Every
     * step of the window is compared (in constant time), so the answer takes as long either way.
     */
    public static long matchingStep(byte[] secret, String code, Instant now) {
        long current = stepOf(now);
        long found = -1;
        for (long step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
            if (Tokens.constantTimeEquals(codeAt(secret, step), code) && found < 0) found = step;
        }
        return found;
    }

    /** Base32 without padding (RFC 4648), the form authenticator apps take a secret in. */
    public static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) out.append(BASE32.charAt((buffer << (5 - bits)) & 31));
        return out.toString();
    }

    /** The secret in groups of four, easier to type by hand. */
    public static String grouped(String base32) {
        return base32.replaceAll("(.{4})(?!$)", "$1 ");
    }

    /** The otpauth:// address a QR code carries (the Key Uri Format every common app reads). */
    public static String uri(String issuer, String account, byte[] secret) {
        String label = encode(issuer) + ":" + encode(account);
        return "otpauth://totp/" + label + "?secret=" + base32(secret) + "&issuer=" + encode(issuer)
                + "&algorithm=SHA1&digits=" + DIGITS + "&period=" + STEP.toSeconds();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
