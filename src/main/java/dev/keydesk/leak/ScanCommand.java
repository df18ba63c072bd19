package dev.keydesk.leak;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code keydesk.jar scan [--report URL] PATH…}: prints where Keydesk keys are, masked, and
 * with {@code --report} sends them to a Keydesk's report endpoint. Needs no database and no
 * configuration. Exit status: 0 no key found, 1 keys found (and reported, if asked), 2 wrong
 * usage, a path that could not be read, or a report that was not accepted.
 */
public final class ScanCommand {
    public static final int NONE_FOUND = 0;
    public static final int FOUND = 1;
    public static final int TROUBLE = 2;
    static final String STDIN = "<stdin>";
    static final String REPORT_PATH = "/api/v1/keys/report";
    /** The report endpoint takes at most this many keys per request. */
    static final int KEYS_PER_REPORT = 100;
    private static final int SOURCE_LENGTH = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private boolean trouble;

    public ScanCommand(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /** {@code args} without the command's name. Throws IllegalArgumentException for wrong usage. */
    public int run(List<String> args) {
        String reportUrl = null;
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--report")) {
                if (i + 1 >= args.size()) throw new IllegalArgumentException("--report needs a URL.");
                reportUrl = reportEndpoint(args.get(++i));
            } else if (arg.startsWith("--")) {
                throw new IllegalArgumentException("Unknown option '" + arg + "'.");
            } else {
                paths.add(arg);
            }
        }
        if (paths.isEmpty()) throw new IllegalArgumentException("Name the files or directories to scan, or - for standard input.");

        List<KeyScanner.Finding> findings = new ArrayList<>();
        for (String path : paths) findings.addAll(scanPath(path));
        for (KeyScanner.Finding f : findings) out.println(f.input() + ":" + f.line() + ": " + f.masked());
        err.println(findings.isEmpty() ? "No Keydesk key found." : "Found " + findings.size() + " Keydesk key(s).");
        if (reportUrl != null && !findings.isEmpty()) report(reportUrl, findings);
        if (trouble) return TROUBLE;
        return findings.isEmpty() ? NONE_FOUND : FOUND;
    }

    /** A Keydesk's address, or its report endpoint itself. */
    static String reportEndpoint(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--report needs an http:// or https:// URL, not '" + url + "'.");
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new IllegalArgumentException("--report needs an http:// or https:// URL, not '" + url + "'.");
        }
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return base.endsWith(REPORT_PATH) ? base : base + REPORT_PATH;
    }

    private List<KeyScanner.Finding> scanPath(String path) {
        if (path.equals("-")) return scanStream(STDIN, in);
        Path start = Path.of(path);
        if (!Files.exists(start)) {
            problem(path + ": no such file or directory");
            return List.of();
        }
        List<KeyScanner.Finding> findings = new ArrayList<>();
        // Symbolic links are not followed, so a link cannot lead the walk in circles.
        try (Stream<Path> files = Files.walk(start)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                try (InputStream stream = Files.newInputStream(file)) {
                    findings.addAll(KeyScanner.scan(file.toString(), stream));
                } catch (IOException e) {
                    problem(file + ": " + e.getMessage());
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            problem(path + ": " + e.getMessage());
        }
        return findings;
    }

    private List<KeyScanner.Finding> scanStream(String name, InputStream stream) {
        try {
            return KeyScanner.scan(name, stream);
        } catch (IOException e) {
            problem(name + ": " + e.getMessage());
            return List.of();
        }
    }

    /**
     * One report per file, in batches the endpoint accepts; each says where its keys were found
     * (the file and the first line). A key found twice is sent once.
     */
    private void report(String endpoint, List<KeyScanner.Finding> findings) {
        Map<String, LinkedHashSet<String>> keysByInput = new LinkedHashMap<>();
        Map<String, Integer> firstLine = new LinkedHashMap<>();
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        for (KeyScanner.Finding f : findings) {
            if (!seen.add(f.key())) continue;
            keysByInput.computeIfAbsent(f.input(), k -> new LinkedHashSet<>()).add(f.key());
            firstLine.putIfAbsent(f.input(), f.line());
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        int sent = 0;
        for (var entry : keysByInput.entrySet()) {
            List<String> keys = List.copyOf(entry.getValue());
            // A file name may hold characters the endpoint refuses in a source (control, bidirectional).
            String source = ("keydesk scan: " + entry.getKey() + ":" + firstLine.get(entry.getKey()))
                    .replaceAll("[\\p{Cntrl}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]", "?");
            if (source.length() > SOURCE_LENGTH) source = source.substring(0, SOURCE_LENGTH - 1) + "…";
            for (int from = 0; from < keys.size(); from += KEYS_PER_REPORT) {
                List<String> batch = keys.subList(from, Math.min(keys.size(), from + KEYS_PER_REPORT));
                if (!send(client, endpoint, batch, source)) return;
                sent += batch.size();
            }
        }
        err.println("Reported " + sent + " key(s) to " + endpoint + ".");
    }

    private boolean send(HttpClient client, String endpoint, List<String> keys, String source) {
        try {
            String body = JSON.writeValueAsString(Map.of("keys", keys, "source", source));
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(endpoint))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) return true;
            String wait = response.headers().firstValue("Retry-After").map(s -> " (retry after " + s + " s)").orElse("");
            problem("The report was refused with status " + response.statusCode() + wait + ": " + response.body());
        } catch (IOException e) {
            problem("Could not send the report to " + endpoint + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem("Interrupted while sending the report.");
        }
        return false;
    }

    private void problem(String message) {
        err.println("keydesk scan: " + message);
        trouble = true;
    }
}
