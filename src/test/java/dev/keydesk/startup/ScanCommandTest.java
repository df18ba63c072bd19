package dev.keydesk.startup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar target/keydesk.jar scan}, the real jar in its own process: it finds the keys
 * planted in a tree (a zuliprc, a source file, a log line), reads standard input, and reports what
 * it found to a running Keydesk, which revokes the live ones.
 */
@IntegrationTest
class ScanCommandTest {
    /** Built by the package phase, which runs before the integration lane. */
    private static final Path JAR = Path.of("target", "keydesk.jar");

    private final TestKeydesk keydesk = TestKeydesk.get();

    @TempDir
    Path tree;

    private record Result(int exitCode, String stdout, String stderr) {}

    @BeforeEach
    void setUp() {
        keydesk.reset();
        assertTrue(Files.isRegularFile(JAR), "the integration lane runs after `mvn package` built " + JAR.toAbsolutePath());
    }

    private static Result scan(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), "scan"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("KEYDESK_"));
        Process p = pb.start();
        if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("keydesk scan did not finish");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static String mask(String key) {
        return key.substring(0, 4) + "…" + key.substring(28);
    }

    @Test
    void findsThePlantedKeysAndNothingElse() throws Exception {
        String inZuliprc = ApiKeyFormat.generate();
        String inSource = ApiKeyFormat.generate();
        String inLog = ApiKeyFormat.generate();
        Path zuliprc = Files.createDirectories(tree.resolve("home")).resolve(".zuliprc");
        Files.writeString(zuliprc, "[api]\nemail=deploy-bot@example.com\nkey=" + inZuliprc + "\nsite=https://chat.example.com\n");
        Path source = Files.createDirectories(tree.resolve("repo/src")).resolve("notify.py");
        Files.writeString(source, "import zulip\n\nclient = zulip.Client(email='bot@example.com',\n"
                + "                      api_key='" + inSource + "')\n");
        Path log = Files.createDirectories(tree.resolve("ci")).resolve("build-4711.log");
        Files.writeString(log, "step 1 ok\nstep 2 ok\n+ curl -u bot@example.com:" + inLog + " https://chat.example.com/api/v1/users/me\n");
        Files.writeString(tree.resolve("ci/hashes.txt"), "d41d8cd98f00b204e9800998ecf8427e\n" + "Z".repeat(32) + "\n");

        Result r = scan(null, tree.toString());
        assertEquals(1, r.exitCode(), r.stderr());
        assertEquals(List.of(log + ":3: " + mask(inLog), zuliprc + ":3: " + mask(inZuliprc), source + ":4: " + mask(inSource)),
                r.stdout().lines().toList());
        for (String key : List.of(inZuliprc, inSource, inLog)) {
            assertFalse(r.stdout().contains(key) || r.stderr().contains(key), "no key is printed whole");
        }
    }

    @Test
    void exitsZeroWhenNothingIsFoundAndTwoOnWrongUsage() throws Exception {
        Files.writeString(tree.resolve("README"), "nothing to see\n");
        assertEquals(0, scan(null, tree.toString()).exitCode());
        assertEquals(0, scan("no key here\n", "-").exitCode());
        Result noPath = scan(null);
        assertEquals(2, noPath.exitCode());
        assertTrue(noPath.stderr().contains("Usage"), noPath.stderr());
        assertEquals(2, scan(null, tree.resolve("missing").toString()).exitCode());
    }

    @Test
    void reportsWhatItFindsOnStandardInputToAKeydesk() throws Exception {
        User member = Fixtures.member("cordelia@zulip.com");
        String key = Fixtures.keyOf(member);
        Result r = scan("2026-11-26T03:00:00Z deploy failed, key=" + key + "\n", "--report", keydesk.baseUrl(), "-");
        assertEquals(1, r.exitCode(), r.stderr());
        assertEquals("<stdin>:1: " + mask(key) + "\n", r.stdout());
        assertTrue(r.stderr().contains("Reported 1 key(s)"), r.stderr());

        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        while (Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(member.email(), key)).status() != 401) {
            if (Instant.now().isAfter(deadline)) throw new AssertionError("the reported key still works");
            Thread.sleep(50);
        }
        assertEquals("keydesk scan: <stdin>:1", keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT details ->> 'source' FROM audit_log WHERE event_type = 'api_key_leak_reported'")
                .mapTo(String.class).one()));

        Result refused = scan("key=" + key + "\n", "--report", "http://127.0.0.1:9/", "-");
        assertEquals(2, refused.exitCode(), "a report that could not be sent is trouble");
    }
}
