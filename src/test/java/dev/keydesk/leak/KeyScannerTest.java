package dev.keydesk.leak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.apikey.ApiKeyFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding keys in text by their checksum, offline, and the scan command over a tree of files. */
class KeyScannerTest {
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private final String key = keyWithTwoDifferentFirstCharacters();
    private final String other = ApiKeyFormat.generate();

    @TempDir
    Path tree;

    @Test
    void findsKeysWhereverTheyStandBetweenNonKeyCharacters() {
        assertEquals(List.of(key), KeyScanner.keysIn("key=" + key));
        assertEquals(List.of(key), KeyScanner.keysIn("curl -u bot@example.com:" + key + " https://x"));
        assertEquals(List.of(key, other), KeyScanner.keysIn("\"" + key + "\",'" + other + "'"));
        assertEquals(List.of(key), KeyScanner.keysIn("API_KEY_" + key + "_END"), "underscores are not key characters");
        assertEquals(List.of(key), KeyScanner.keysIn(key));
    }

    @Test
    void aKeyInsideALongerRunOfLettersAndDigitsIsNotOne() {
        assertEquals(List.of(), KeyScanner.keysIn("x" + key));
        assertEquals(List.of(), KeyScanner.keysIn(key + "0"));
        assertEquals(List.of(), KeyScanner.keysIn(key.substring(1)));
    }

    @Test
    void aLookAlikeWithAWrongChecksumIsNotAKey() {
        char last = key.charAt(31);
        String altered = key.substring(0, 31) + (last == 'a' ? 'b' : 'a');
        assertEquals(List.of(), KeyScanner.keysIn("key=" + altered));
        String swapped = key.charAt(1) + key.substring(0, 1) + key.substring(2);
        assertNotEquals(key, swapped);
        assertEquals(List.of(), KeyScanner.keysIn(swapped), "two characters swapped");
    }

    /** A key whose first two characters differ, so swapping them makes another string. */
    private static String keyWithTwoDifferentFirstCharacters() {
        String key = ApiKeyFormat.generate();
        while (key.charAt(0) == key.charAt(1)) key = ApiKeyFormat.generate();
        return key;
    }

    @Test
    void noneOfAHundredThousandRandomStringsPassesTheChecksum() throws IOException {
        Random random = new Random(20261126L); // fixed, so the test is the same on every run
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            for (int c = 0; c < 32; c++) text.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            text.append('\n');
        }
        List<KeyScanner.Finding> found = KeyScanner.scan("random",
                new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of(), found);
    }

    @Test
    void reportsTheLineOfEachKeyAndMasksIt() throws IOException {
        String text = "first line\nkey=" + key + "\n\nsecond " + other + " here\n";
        List<KeyScanner.Finding> found = KeyScanner.scan("notes.txt",
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of(new KeyScanner.Finding("notes.txt", 2, key), new KeyScanner.Finding("notes.txt", 4, other)),
                found);
        String masked = found.get(0).masked();
        assertEquals(key.substring(0, 4) + "…" + key.substring(28), masked);
        assertFalse(masked.contains(key.substring(4, 28)));
    }

    @Test
    void binaryContentIsSkipped() throws IOException {
        byte[] text = ("key=" + key + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] binary = new byte[text.length + 1];
        System.arraycopy(text, 0, binary, 1, text.length);
        assertEquals(List.of(), KeyScanner.scan("image.png", new ByteArrayInputStream(binary)));
        assertEquals(1, KeyScanner.scan("text", new ByteArrayInputStream(text)).size());
    }

    // ---------------------------------------------------------------- the command, in this JVM

    private record Run(int status, String out, String err) {}

    private static Run scan(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new ScanCommand(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(List.of(args));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theCommandWalksDirectoriesAndPrintsFileLineAndMaskedKey() throws IOException {
        Path config = Files.createDirectories(tree.resolve("home/.config"));
        Files.writeString(config.resolve("zuliprc"), "[api]\nemail=deploy-bot@example.com\nkey=" + key
                + "\nsite=https://chat.example.com\n");
        Path src = Files.createDirectories(tree.resolve("src/main"));
        Files.writeString(src.resolve("Client.java"), "class Client {\n  // TODO\n  String k = \"" + other + "\";\n}\n");
        Files.write(tree.resolve("logo.png"), ("\0PNG" + key).getBytes(StandardCharsets.US_ASCII));

        Run run = scan("", tree.toString());
        assertEquals(ScanCommand.FOUND, run.status(), run.err());
        assertEquals(List.of(
                config.resolve("zuliprc") + ":3: " + KeyScanner.mask(key),
                src.resolve("Client.java") + ":3: " + KeyScanner.mask(other)), run.out().lines().toList());
        assertFalse(run.out().contains(key) || run.out().contains(other), "no key is printed whole");
    }

    @Test
    void standardInputIsScannedAsADash() {
        Run run = scan("2026-11-26 build step: token " + key + " used\n", "-");
        assertEquals(ScanCommand.FOUND, run.status());
        assertEquals("<stdin>:1: " + KeyScanner.mask(key) + "\n", run.out());
    }

    @Test
    void nothingFoundIsZeroAndTroubleIsTwo() throws IOException {
        Files.writeString(tree.resolve("clean.txt"), "nothing " + "A".repeat(32) + " here\n");
        assertEquals(ScanCommand.NONE_FOUND, scan("", tree.toString()).status());
        Run missing = scan("", tree.resolve("nope").toString());
        assertEquals(ScanCommand.TROUBLE, missing.status());
        assertTrue(missing.err().contains("no such file"), missing.err());
        assertThrows(IllegalArgumentException.class, () -> scan(""));
        assertThrows(IllegalArgumentException.class, () -> scan("", "--report"));
        assertThrows(IllegalArgumentException.class, () -> scan("", "--report", "ftp://example.com", "x"));
        assertThrows(IllegalArgumentException.class, () -> scan("", "--frobnicate", "x"));
    }

    @Test
    void theReportUrlMayBeTheSiteOrTheEndpoint() {
        assertEquals("https://keys.example.com/api/v1/keys/report", ScanCommand.reportEndpoint("https://keys.example.com"));
        assertEquals("https://keys.example.com/api/v1/keys/report", ScanCommand.reportEndpoint("https://keys.example.com/"));
        assertEquals("http://127.0.0.1:7070/api/v1/keys/report",
                ScanCommand.reportEndpoint("http://127.0.0.1:7070/api/v1/keys/report"));
    }
}
