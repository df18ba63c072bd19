package dev.keydesk.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code mvn test} fast: a test class that starts Keydesk servers, processes, a browser or
 * mail and webhook receivers must be marked {@link IntegrationTest}, so only {@code mvn verify} runs it.
 */
class TestLanesTest {
    private static final Path TESTS = Path.of("src", "test", "java");
    private static final List<String> SLOW_HELPERS = List.of(
            "TestKeydesk", "Fixtures.", "Keydesk.start", "KeydeskProcess", "ProcessBuilder", "Playwright",
            "BrowserSupport", "ZulipJs", "GreenMail", "HttpServer");

    @Test
    void testClassesThatStartServersOrProcessesAreIntegrationTests() throws IOException {
        List<String> unmarked;
        try (Stream<Path> files = Files.walk(TESTS)) {
            unmarked = files.filter(f -> f.getFileName().toString().endsWith("Test.java"))
                    .filter(f -> !f.getFileName().toString().equals("TestLanesTest.java"))
                    .filter(TestLanesTest::usesSlowHelpers)
                    .filter(f -> !read(f).contains("@IntegrationTest"))
                    .map(f -> TESTS.relativize(f).toString())
                    .sorted()
                    .toList();
        }
        assertEquals(List.of(), unmarked, "mark these @IntegrationTest");
    }

    @Test
    void theIntegrationMarkIsAJUnitTag() {
        org.junit.jupiter.api.Tag tag = IntegrationTest.class.getAnnotation(org.junit.jupiter.api.Tag.class);
        assertEquals("integration", tag.value(), "the tag pom.xml's surefire and failsafe select on");
        assertTrue(Files.isDirectory(TESTS), TESTS.toAbsolutePath().toString());
    }

    private static boolean usesSlowHelpers(Path file) {
        String source = read(file);
        return SLOW_HELPERS.stream().anyMatch(source::contains);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
