package dev.keydesk.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real OpenID Connect provider for the single sign-on tests: Keycloak's server distribution
 * (unpacked into target/keycloak by Maven before the integration lane), started once per test run
 * in development mode on 127.0.0.1 with the realm of src/test/resources/keycloak, and shared by
 * every test class that needs it, as {@link TestKeydesk} is. Keycloak needs Java 21 or newer: the
 * JDK named by the system property {@code keydesk.keycloak.java}, else the newest JDK of 21 or later under
 * /usr/lib/jvm; Keydesk itself stays on the build's Java.
 *
 * <p>{@code -Dkeydesk.keycloak.url=http://127.0.0.1:PORT} uses a Keycloak already running with
 * that realm instead (to run one test class again without waiting for a start).
 */
public final class KeycloakServer {
    public static final String REALM = "keydesk";
    public static final String CLIENT_ID = "keydesk";
    public static final String CLIENT_SECRET = "keydesk-test-client-secret";
    public static final String ADMIN_GROUP = "keydesk-admins";
    /** Startup takes about 45 s on a quiet machine, several minutes on a loaded one (the first start also builds). */
    private static final Duration STARTUP = Duration.ofMinutes(12);
    private static KeycloakServer instance;

    private final String baseUrl;
    private final Process process;
    private final Path log;

    private KeycloakServer(String baseUrl, Process process, Path log) {
        this.baseUrl = baseUrl;
        this.process = process;
        this.log = log;
    }

    public static synchronized KeycloakServer get() {
        if (instance == null) instance = start();
        return instance;
    }

    /** The realm's issuer, as KEYDESK_OIDC_ISSUER names it. */
    public String issuer() {
        return baseUrl + "/realms/" + REALM;
    }

    /** A file holding the client secret, as KEYDESK_OIDC_CLIENT_SECRET_FILE names it. */
    public static Path secretFile() {
        try {
            Path file = Files.createTempFile("keycloak-client-secret", ".txt");
            Files.writeString(file, CLIENT_SECRET + "\n");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeycloakServer start() {
        String existing = System.getProperty("keydesk.keycloak.url");
        if (existing != null && !existing.isBlank()) {
            String url = existing.strip().replaceAll("/+$", "");
            waitForRealm(url, null, null, Duration.ofSeconds(30));
            return new KeycloakServer(url, null, null);
        }
        String homeProperty = System.getProperty("keydesk.keycloak.home");
        if (homeProperty == null) {
            throw new IllegalStateException("keydesk.keycloak.home is not set: run the single sign-on tests through"
                    + " Maven's integration lane (mvn verify), which unpacks Keycloak into target/keycloak");
        }
        Path home = Path.of(homeProperty);
        if (!Files.isExecutable(home.resolve("bin/kc.sh"))) {
            throw new IllegalStateException("No Keycloak in " + home + ": mvn verify unpacks it there (pre-integration-test)");
        }
        try {
            // A fresh database each run, so the realm file is imported as it is now.
            deleteTree(home.resolve("data"));
            Path imports = Files.createDirectories(home.resolve("data/import"));
            try (InputStream realm = KeycloakServer.class.getResourceAsStream("/keycloak/keydesk-realm.json")) {
                if (realm == null) throw new IllegalStateException("The test realm file is missing");
                Files.copy(realm, imports.resolve("keydesk-realm.json"), StandardCopyOption.REPLACE_EXISTING);
            }
            int port = freePort();
            Path log = home.resolve("keycloak-test.log");
            ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev",
                    "--http-host=127.0.0.1", "--http-port=" + port, "--import-realm",
                    "--cache=local")
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("JAVA_HOME", newerJdk().toString());
            builder.environment().remove("JAVA_OPTS"); // Keycloak picks its own heap settings
            Process process = builder.start();
            String url = "http://127.0.0.1:" + port;
            long started = System.nanoTime();
            waitForRealm(url, process, log, STARTUP);
            System.out.printf("Keycloak %s started in %.1f s on %s%n", home.getFileName(),
                    (System.nanoTime() - started) / 1e9, url);
            KeycloakServer server = new KeycloakServer(url, process, log);
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start Keycloak from " + home, e);
        }
    }

    private void stop() {
        if (process == null) return;
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the realm's discovery document answers; a process that ends first fails with its log's end. */
    private static void waitForRealm(String url, Process process, Path log, Duration deadline) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI discovery = URI.create(url + "/realms/" + REALM + "/.well-known/openid-configuration");
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            try {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(discovery).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException("Keycloak stopped while starting (exit " + process.exitValue() + "):\n" + tail(log));
            }
            if (System.nanoTime() > end) {
                if (process != null) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
                throw new IllegalStateException("Keycloak did not answer at " + discovery + " within " + deadline
                        + (log == null ? "" : ":\n" + tail(log)));
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** A JDK of version 21 or newer: the property's, else the newest one installed beside the default JDK. */
    private static Path newerJdk() throws IOException {
        String named = System.getProperty("keydesk.keycloak.java");
        if (named != null && !named.isBlank()) return Path.of(named);
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            List<Path> found = jdks.filter(p -> majorVersion(p) >= 21)
                    .filter(p -> Files.isExecutable(p.resolve("bin/java")))
                    .sorted(Comparator.comparingInt(KeycloakServer::majorVersion).reversed())
                    .toList();
            if (found.isEmpty()) {
                throw new IllegalStateException("Keycloak needs Java 21 or newer: none found under /usr/lib/jvm"
                        + " (name one with -Dkeydesk.keycloak.java=/path/to/jdk)");
            }
            return found.get(0);
        }
    }

    /** The Java version a JDK's folder is named for (temurin-25-jdk-amd64, java-21-openjdk-amd64), else 0. */
    private static int majorVersion(Path jdk) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(?:temurin|java|jdk|openjdk)-(\\d+)")
                .matcher(jdk.getFileName().toString());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static String tail(Path log) {
        if (log == null) return "";
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(path);
        }
    }
}
