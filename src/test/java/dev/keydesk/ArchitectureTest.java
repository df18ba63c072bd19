package dev.keydesk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the packages under dev.keydesk depend on each other, read from the sources: imports and
 * fully qualified names in code (not in comments or strings). Packages must not depend on each
 * other in a circle, and the shared foundations (web, api, access, errors, config, security, db) must not
 * reach into the features built on them.
 */
class ArchitectureTest {
    private static final Path SOURCES = Path.of("src", "main", "java");
    private static final String ROOT = "dev.keydesk";
    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");
    /** dev.keydesk, then lower-case package names, then a class name (or * in an import). */
    private static final Pattern REFERENCE =
            Pattern.compile("\\bdev\\.keydesk((?:\\.[a-z_][a-z0-9_]*)*)\\.(?:[A-Z]\\w*|\\*)");

    /** Each foundation package and the only other dev.keydesk packages it may use. */
    private static final Map<String, Set<String>> FOUNDATIONS = Map.of(
            "web", Set.of("api", "access", "errors", "security", "config", "db"),
            "api", Set.of("access", "errors"),
            "access", Set.of(),
            "errors", Set.of(),
            "config", Set.of(),
            "security", Set.of("config"),
            "db", Set.of("config"));

    /** package → package it uses → the source files that use it. */
    static Map<String, Map<String, Set<String>>> graph(Path sources) {
        Map<String, Map<String, Set<String>>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sources.resolve("dev/keydesk"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                String code = withoutCommentsAndStrings(Files.readString(file));
                Matcher pkg = PACKAGE.matcher(code);
                assertTrue(pkg.find(), "no package declaration in " + file);
                String from = pkg.group(1);
                Map<String, Set<String>> uses = graph.computeIfAbsent(from, p -> new TreeMap<>());
                for (String to : references(code)) {
                    if (!to.equals(from)) {
                        uses.computeIfAbsent(to, p -> new TreeSet<>()).add(sources.relativize(file).toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return graph;
    }

    /** The dev.keydesk packages named in (comment- and string-free) code. */
    static Set<String> references(String code) {
        Set<String> packages = new TreeSet<>();
        Matcher m = REFERENCE.matcher(code);
        while (m.find()) packages.add(ROOT + m.group(1));
        return packages;
    }

    /** The code with comments, string literals, text blocks and character literals blanked out. */
    static String withoutCommentsAndStrings(String source) {
        StringBuilder code = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                code.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                int end = i + 3;
                while (end < n && !source.startsWith("\"\"\"", end)) end += source.charAt(end) == '\\' ? 2 : 1;
                i = Math.min(n, end + 3);
                code.append(' ');
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                char quote = source.charAt(i);
                int end = i + 1;
                while (end < n && source.charAt(end) != quote && source.charAt(end) != '\n') {
                    end += source.charAt(end) == '\\' ? 2 : 1;
                }
                i = Math.min(n, end + 1);
                code.append(' ');
            } else {
                code.append(source.charAt(i++));
            }
        }
        return code.toString();
    }

    @Test
    void readsImportsAndQualifiedNamesButNotCommentsOrStrings() {
        String source = """
                package dev.keydesk.sample;
                import dev.keydesk.user.User;
                import static dev.keydesk.web.Dates.minute;
                import dev.keydesk.errors.*;
                /** Unlike dev.keydesk.people.AdminPolicy, this mentions dev.keydesk.bot.Bot in a comment. */
                class Sample {
                    // dev.keydesk.mail.Emails
                    String s = "dev.keydesk.outbox.Outbox \\" dev.keydesk.webhook.WebhookSignature";
                    String t = \"""
                            dev.keydesk.session.Session
                            \""";
                    char c = '"';
                    dev.keydesk.config.Settings.External external = dev.keydesk.Main.class == null ? null : null;
                }
                """;
        assertEquals(Set.of("dev.keydesk", "dev.keydesk.user", "dev.keydesk.web", "dev.keydesk.errors",
                "dev.keydesk.config"), references(withoutCommentsAndStrings(source)));
    }

    @Test
    void theSourcesWereFound() {
        Map<String, Map<String, Set<String>>> graph = graph(SOURCES);
        assertTrue(graph.size() >= 20, "only " + graph.keySet() + " under " + SOURCES.toAbsolutePath());
        assertTrue(graph.get(ROOT).containsKey(ROOT + ".web"), "the composition root uses the web package");
    }

    @Test
    void packagesDoNotDependOnEachOtherInACircle() {
        List<String> cycles = cycleReport(graph(SOURCES));
        assertEquals(List.of(), cycles, "package cycles:\n" + String.join("\n", cycles));
    }

    @Test
    void foundationsUseNoFeaturePackage() {
        List<String> violations = foundationViolations(graph(SOURCES));
        assertEquals(List.of(), violations, String.join("\n", violations));
    }

    @Test
    void aCircleAndAFoundationReachingIntoAFeatureAreReported(@TempDir Path sources) throws IOException {
        write(sources, "dev/keydesk/web/Page.java", "package dev.keydesk.web;\nimport dev.keydesk.people.Member;\n");
        write(sources, "dev/keydesk/people/Member.java", "package dev.keydesk.people;\nimport dev.keydesk.bot.Bot;\n");
        write(sources, "dev/keydesk/bot/Bot.java", "package dev.keydesk.bot;\nclass Bot { dev.keydesk.people.Member m; }\n");
        write(sources, "dev/keydesk/api/Guard.java", "package dev.keydesk.api;\nimport dev.keydesk.errors.Refusal;\n");
        Map<String, Map<String, Set<String>>> graph = graph(sources);
        assertEquals(List.of("""
                dev.keydesk.bot -> dev.keydesk.people -> dev.keydesk.bot
                    dev.keydesk.bot -> dev.keydesk.people in [dev/keydesk/bot/Bot.java]
                    dev.keydesk.people -> dev.keydesk.bot in [dev/keydesk/people/Member.java]"""), cycleReport(graph));
        assertEquals(List.of("dev.keydesk.web uses dev.keydesk.people in [dev/keydesk/web/Page.java]"),
                foundationViolations(graph));
    }

    private static void write(Path sources, String file, String code) throws IOException {
        Files.createDirectories(sources.resolve(file).getParent());
        Files.writeString(sources.resolve(file), code);
    }

    /** Each circle as "a -> b -> a", followed by the files that make each step. */
    static List<String> cycleReport(Map<String, Map<String, Set<String>>> graph) {
        List<String> report = new ArrayList<>();
        for (List<String> cycle : cycles(graph)) {
            StringBuilder line = new StringBuilder(String.join(" -> ", cycle));
            for (int i = 0; i + 1 < cycle.size(); i++) {
                line.append("\n    ").append(cycle.get(i)).append(" -> ").append(cycle.get(i + 1)).append(" in ")
                        .append(graph.get(cycle.get(i)).get(cycle.get(i + 1)));
            }
            report.add(line.toString());
        }
        return report;
    }

    /** Every use of a dev.keydesk package by a foundation that is not on its list. */
    static List<String> foundationViolations(Map<String, Map<String, Set<String>>> graph) {
        List<String> violations = new ArrayList<>();
        FOUNDATIONS.forEach((name, allowed) -> {
            String from = ROOT + "." + name;
            graph.getOrDefault(from, Map.of()).forEach((to, files) -> {
                boolean ok = to.startsWith(ROOT + ".") && allowed.contains(to.substring(ROOT.length() + 1));
                if (!ok) violations.add(from + " uses " + to + " in " + files);
            });
        });
        violations.sort(null);
        return violations;
    }

    /** Circles found by depth-first search, each starting at its alphabetically first package. */
    private static Set<List<String>> cycles(Map<String, Map<String, Set<String>>> graph) {
        Set<List<String>> found = new LinkedHashSet<>();
        Map<String, Integer> state = new HashMap<>(); // absent: unseen, 1: on the path, 2: done
        for (String start : graph.keySet()) {
            visit(start, graph, state, new ArrayList<>(), found);
        }
        return found;
    }

    private static void visit(String node, Map<String, Map<String, Set<String>>> graph, Map<String, Integer> state,
                              List<String> path, Set<List<String>> found) {
        Integer seen = state.get(node);
        if (seen != null && seen == 2) return;
        if (seen != null) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
            int first = cycle.indexOf(cycle.stream().min(String::compareTo).orElseThrow());
            List<String> rotated = new ArrayList<>(cycle.subList(first, cycle.size()));
            rotated.addAll(cycle.subList(0, first));
            rotated.add(rotated.get(0));
            found.add(rotated);
            return;
        }
        state.put(node, 1);
        path.add(node);
        for (String next : graph.getOrDefault(node, Map.of()).keySet()) {
            visit(next, graph, state, path, found);
        }
        path.remove(path.size() - 1);
        state.put(node, 2);
    }
}
