package dev.keydesk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README is the front door: its run and test commands must be there as written (CI runs the
 * same test command), and no link in it or in docs/ may lead nowhere, down to the heading.
 */
class ReadmeCommandsTest {
    private static final String RUN = "mvn -q package -DskipTests && java -Xmx512m -jar target/keydesk.jar";
    private static final String TEST = "mvn -B verify";
    /** A Markdown link or image target: [text](target) or ![alt](target). */
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6} (.+)$");

    @Test
    void theReadmeShowsTheRunAndTestCommandsAsShellBlocks() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        assertTrue(readme.contains("```sh\n" + RUN + "\n```"), "README.md lacks the run command: " + RUN);
        assertTrue(readme.contains("```sh\n" + TEST + "\n```"), "README.md lacks the test command: " + TEST);
    }

    @Test
    void ciRunsTheReadmesTestCommand() throws IOException {
        List<String> lines = Files.readAllLines(Path.of(".ci/run"));
        assertTrue(lines.contains(TEST), ".ci/run does not run the README's test command: " + TEST);
    }

    @Test
    void everyRelativeLinkLeadsToAFileAndHeadingThatExist() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertTrue(pages.size() > 1, "docs/ has no Markdown pages");
        Map<Path, Set<String>> anchors = new HashMap<>();
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            for (String target : links(page)) {
                if (target.matches("^[a-z]+:.*")) continue; // http:, https:, mailto: lead off the tree
                checked++;
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = file.isEmpty() ? page : page.resolveSibling(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(page + ": " + target + " (no file " + resolved + ")");
                } else if (anchor != null && !anchors.computeIfAbsent(resolved, ReadmeCommandsTest::headingAnchors).contains(anchor)) {
                    broken.add(page + ": " + target + " (no heading #" + anchor + " in " + resolved + ")");
                }
            }
        }
        assertTrue(checked > 10, "only " + checked + " relative links found; is the link pattern still right?");
        assertEquals(List.of(), broken);
    }

    /** The link targets of a page, outside fenced code blocks. */
    private static List<String> links(Path page) throws IOException {
        List<String> targets = new ArrayList<>();
        boolean code = false;
        for (String line : Files.readAllLines(page)) {
            if (line.startsWith("```")) code = !code;
            if (code) continue;
            Matcher m = LINK.matcher(line);
            while (m.find()) targets.add(m.group(1));
        }
        return targets;
    }

    /** The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
    private static Set<String> headingAnchors(Path file) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean code = false;
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("```")) code = !code;
                Matcher m = HEADING.matcher(line);
                if (code || !m.matches()) continue;
                String slug = m.group(1).strip().toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
                int n = seen.merge(slug, 1, Integer::sum);
                anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return anchors;
    }
}
