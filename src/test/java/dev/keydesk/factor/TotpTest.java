package dev.keydesk.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.TestTotp;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The authenticator-app codes against RFC 6238's own test values, and the parts around them. */
class TotpTest {
    private static final byte[] RFC_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    @Test
    void codesMatchTheRfcTestVectors() {
        // RFC 6238, appendix B (SHA-1), last six of the eight digits.
        assertEquals("287082", Totp.codeAt(RFC_SECRET, Totp.stepOf(Instant.ofEpochSecond(59))));
        assertEquals("081804", Totp.codeAt(RFC_SECRET, Totp.stepOf(Instant.ofEpochSecond(1111111109))));
        assertEquals("050471", Totp.codeAt(RFC_SECRET, Totp.stepOf(Instant.ofEpochSecond(1111111111))));
        assertEquals("005924", Totp.codeAt(RFC_SECRET, Totp.stepOf(Instant.ofEpochSecond(1234567890))));
        assertEquals("279037", Totp.codeAt(RFC_SECRET, Totp.stepOf(Instant.ofEpochSecond(2000000000))));
        // The tests' own app agrees.
        assertEquals("279037", TestTotp.code(RFC_SECRET, 2000000000L / 30));
    }

    @Test
    void oneStepOfDriftEachWayIsAcceptedAndTwoAreNot() {
        byte[] secret = Totp.newSecret();
        Instant now = Instant.ofEpochSecond(1_800_000_015L);
        long step = Totp.stepOf(now);
        assertEquals(step - 1, Totp.matchingStep(secret, TestTotp.code(secret, step - 1), now));
        assertEquals(step, Totp.matchingStep(secret, TestTotp.code(secret, step), now));
        assertEquals(step + 1, Totp.matchingStep(secret, TestTotp.code(secret, step + 1), now));
        assertEquals(-1, Totp.matchingStep(secret, TestTotp.code(secret, step - 2), now));
        assertEquals(-1, Totp.matchingStep(secret, TestTotp.code(secret, step + 2), now));
    }

    @Test
    void base32AndTheSetupAddressAreWhatAppsRead() {
        assertEquals("MZXW6YTBOI", Totp.base32("foobar".getBytes(StandardCharsets.US_ASCII)));
        byte[] secret = Totp.newSecret();
        assertEquals(32, Totp.base32(secret).length());
        assertTrue(java.util.Arrays.equals(secret, TestTotp.decodeBase32(Totp.grouped(Totp.base32(secret)))));
        assertEquals("otpauth://totp/Acme%20Inc:iago%40zulip.com?secret=MZXW6YTBOI&issuer=Acme%20Inc"
                        + "&algorithm=SHA1&digits=6&period=30",
                Totp.uri("Acme Inc", "iago@zulip.com", "foobar".getBytes(StandardCharsets.US_ASCII)));
        String svg = QrCode.svg(Totp.uri("Acme", "a@b.c", secret), "QR <code>");
        assertTrue(svg.startsWith("<svg ") && svg.contains("<path") && svg.contains("aria-label=\"QR &lt;code&gt;\""), svg);
    }

    @Test
    void recoveryCodesAreTenDistinctAndReadForgivingly() {
        List<String> codes = RecoveryCodes.generate();
        assertEquals(10, new HashSet<>(codes).size());
        String code = codes.get(0);
        assertTrue(code.matches("[a-z2-9]{5}-[a-z2-9]{5}"), code);
        assertEquals(code.replace("-", ""), RecoveryCodes.normalized("  " + code.toUpperCase().replace("-", " - ") + " "));
        assertNull(RecoveryCodes.normalized("123456"));
        assertNull(RecoveryCodes.normalized("abcde-fghi0"));
    }
}
