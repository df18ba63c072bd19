package dev.keydesk.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.config.Settings;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keydesk behind a real nginx, configured with the snippet of docs/running.md: one Keydesk that trusts
 * the proxy (KEYDESK_TRUSTED_PROXIES=127.0.0.1) and the test run's shared server, which trusts
 * nobody. Clients are told apart by the address they send in X-Forwarded-For, to which nginx
 * appends the address it saw (127.0.0.1, as the test runs on loopback).
 */
@IntegrationTest
class ReverseProxyTest {
    private static final Path NGINX = Path.of("/usr/sbin/nginx");
    private static final String SITE = "https://keys.example.com";

    @TempDir
    static Path dir;

    private static Keydesk trusting;
    private static Nginx nginx;

    @BeforeAll
    static void startNginxInFrontOfKeydesk() throws Exception {
        if (!Files.isExecutable(NGINX)) return; // each test says it is skipped, and why
        TestKeydesk shared = TestKeydesk.get();
        trusting = Keydesk.start(Settings.fromMap(shared.env(Map.of(
                "KEYDESK_DATABASE_URL", shared.databaseUrl(),
                "KEYDESK_TRUSTED_PROXIES", "127.0.0.1",
                "KEYDESK_EXTERNAL_URL", SITE))), TestKeydesk.TUNING);
        nginx = Nginx.start(dir, List.of(trusting.port(), shared.primary().port()));
    }

    @AfterAll
    static void stop() {
        if (nginx != null) nginx.close();
        if (trusting != null) trusting.close();
    }

    @BeforeEach
    void reset() {
        assumeTrue(nginx != null, "Skipped: nginx is not installed at " + NGINX
                + " (apt-get install nginx; .ci/run installs it)");
        TestKeydesk.get().reset();
    }

    /** Through nginx to the Keydesk that trusts it. */
    private static String viaTrustedProxy(String path) {
        return "http://127.0.0.1:" + nginx.ports().get(0) + path;
    }

    /** Through nginx to the shared Keydesk, which trusts no proxy. */
    private static String viaUntrustedProxy(String path) {
        return "http://127.0.0.1:" + nginx.ports().get(1) + path;
    }

    private static Http.Response fetchApiKey(String url, String clientAddress, String username, String password) {
        return Http.postForm(url, Map.of("username", username, "password", password), null,
                Map.of("X-Forwarded-For", clientAddress, "User-Agent", "ZulipMobile/27.212 (Android 14)"));
    }

    private static String deviceAddress(User user) {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT ip FROM devices WHERE user_id = :id").bind("id", user.id()).mapTo(String.class).one());
    }

    private static String issuedFrom(User user) {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT ip FROM audit_log WHERE target_user_id = :id AND event_type = 'device_key_issued'
                        ORDER BY id DESC LIMIT 1""").bind("id", user.id()).mapTo(String.class).one());
    }

    @Test
    void fiftyFailuresFromOneClientDoNotLockOutAnother() {
        User iago = Fixtures.member("iago@zulip.com");
        String url = viaTrustedProxy("/api/v1/fetch_api_key");
        for (int i = 1; i <= 50; i++) {
            Http.Response r = fetchApiKey(url, "203.0.113.7", "nobody" + i + "@zulip.com", "guess");
            assertEquals(401, r.status(), "attempt " + i + ": " + r.body());
        }
        Http.Response limited = fetchApiKey(url, "203.0.113.7", "iago@zulip.com", Fixtures.PASSWORD);
        assertEquals(429, limited.status(), "the 51st attempt from that address: " + limited.body());
        assertEquals(50, Fixtures.count("SELECT coalesce(sum(cardinality(attempts)), 0) FROM rate_limit_buckets WHERE bucket = 'login:ip:203.0.113.7'"));

        Http.Response other = fetchApiKey(url, "198.51.100.23", "iago@zulip.com", Fixtures.PASSWORD);
        assertEquals(200, other.status(), other.body());
        assertEquals("198.51.100.23", deviceAddress(iago));
        assertEquals("198.51.100.23", issuedFrom(iago));
        assertEquals(0, Fixtures.count("SELECT coalesce(sum(cardinality(attempts)), 0) FROM rate_limit_buckets WHERE bucket LIKE '%127.0.0.1%'"),
                "nothing is counted against the proxy's own address");
    }

    @Test
    void theRightMostUntrustedAddressIsTheClientWhateverItClaims() {
        User iago = Fixtures.member("iago@zulip.com");
        // The client claims 192.0.2.99; the proxy chain says the request came from 2001:db8::7.
        Http.Response r = fetchApiKey(viaTrustedProxy("/api/v1/fetch_api_key"), "192.0.2.99, 2001:DB8::7",
                "iago@zulip.com", Fixtures.PASSWORD);
        assertEquals(200, r.status(), r.body());
        assertEquals("2001:db8::7", deviceAddress(iago));
        assertEquals("2001:db8::7", issuedFrom(iago));
    }

    @Test
    void aServerThatTrustsNoProxyIgnoresXForwardedFor() {
        User iago = Fixtures.member("iago@zulip.com");
        Http.Response wrong = fetchApiKey(viaUntrustedProxy("/api/v1/fetch_api_key"), "203.0.113.50", "iago@zulip.com",
                "guess");
        assertEquals(401, wrong.status(), wrong.body());
        assertEquals(1, Fixtures.count("SELECT coalesce(sum(cardinality(attempts)), 0) FROM rate_limit_buckets WHERE bucket = 'login:ip:127.0.0.1'"));
        Http.Response right = fetchApiKey(viaUntrustedProxy("/api/v1/fetch_api_key"), "203.0.113.50", "iago@zulip.com",
                Fixtures.PASSWORD);
        assertEquals(200, right.status(), right.body());
        assertEquals("127.0.0.1", deviceAddress(iago));
        assertEquals("127.0.0.1", issuedFrom(iago));
        assertEquals(0, Fixtures.count("SELECT coalesce(sum(cardinality(attempts)), 0) FROM rate_limit_buckets WHERE bucket LIKE '%203.0.113.50%'"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM audit_log WHERE ip = '203.0.113.50'"));
    }

    @Test
    void anHttpsSiteAsksBrowsersForHttpsOnly() {
        Fixtures.member("iago@zulip.com");
        Http.Response https = Http.get(viaTrustedProxy("/login"), null);
        assertEquals(200, https.status());
        assertEquals("max-age=31536000", https.header("Strict-Transport-Security").orElse(null));
        assertEquals("max-age=31536000", Http.get(viaTrustedProxy("/api/v1/server_settings"), null)
                .header("Strict-Transport-Security").orElse(null));
        Http.Response http = Http.get(viaUntrustedProxy("/login"), null);
        assertEquals(200, http.status());
        assertTrue(http.header("Strict-Transport-Security").isEmpty(), "an http:// site sends no HSTS");
    }

    /**
     * Debian's nginx as a child process: its own configuration, pid file, logs and temporary
     * directories under the test's directory, in the foreground, one port per upstream.
     */
    private record Nginx(Process process, List<Integer> ports, Path errorLog) implements AutoCloseable {
        static Nginx start(Path dir, List<Integer> upstreams) throws IOException, InterruptedException {
            String snippet = docsSnippet();
            IOException lastFailure = null;
            for (int attempt = 0; attempt < 3; attempt++) { // a free port can be taken before nginx binds it
                List<Integer> ports = upstreams.stream().map(u -> freePort()).toList();
                Path conf = dir.resolve("nginx.conf");
                Files.writeString(conf, config(dir, snippet, ports, upstreams));
                Path errorLog = dir.resolve("error.log");
                Process process = new ProcessBuilder(NGINX.toString(), "-p", dir + "/", "-c", conf.toString(),
                        "-e", errorLog.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
                Nginx nginx = new Nginx(process, ports, errorLog);
                if (nginx.awaitListening(Duration.ofSeconds(10))) return nginx;
                nginx.close();
                lastFailure = new IOException("nginx did not start: " + Files.readString(dir.resolve("nginx.out"))
                        + (Files.exists(errorLog) ? Files.readString(errorLog) : ""));
            }
            throw lastFailure;
        }

        private static String config(Path dir, String snippet, List<Integer> ports, List<Integer> upstreams) {
            StringBuilder servers = new StringBuilder();
            for (int i = 0; i < ports.size(); i++) {
                servers.append("        server {\n            listen 127.0.0.1:").append(ports.get(i)).append(";\n")
                        .append(snippet.replace("http://127.0.0.1:7070", "http://127.0.0.1:" + upstreams.get(i))
                                .indent(12))
                        .append("        }\n");
            }
            return """
                    daemon off;
                    master_process off;
                    worker_processes 1;
                    pid %1$s/nginx.pid;
                    error_log %1$s/error.log notice;
                    events {
                        worker_connections 64;
                    }
                    http {
                        access_log %1$s/access.log;
                        client_body_temp_path %1$s/client_body_temp;
                        proxy_temp_path %1$s/proxy_temp;
                        fastcgi_temp_path %1$s/fastcgi_temp;
                        uwsgi_temp_path %1$s/uwsgi_temp;
                        scgi_temp_path %1$s/scgi_temp;
                    %2$s}
                    """.formatted(dir, servers);
        }

        /** The nginx block of the "Behind a reverse proxy" section of docs/running.md, as an operator would copy it. */
        private static String docsSnippet() throws IOException {
            String docs = Files.readString(Path.of("docs/running.md"));
            int section = docs.indexOf("## Behind a reverse proxy");
            assertTrue(section >= 0, "docs/running.md has no \"Behind a reverse proxy\" section");
            Matcher block = Pattern.compile("```nginx\n(.*?)```", Pattern.DOTALL).matcher(docs);
            assertTrue(block.find(section), "no nginx block in the reverse-proxy section of docs/running.md");
            String snippet = block.group(1);
            assertTrue(snippet.contains("proxy_pass http://127.0.0.1:7070;"), snippet);
            assertTrue(snippet.contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"), snippet);
            return snippet;
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private boolean awaitListening(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (int port : ports) {
                while (true) {
                    if (!process.isAlive()) return false;
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                        break;
                    } catch (IOException notYet) {
                        if (System.nanoTime() > deadline) return false;
                        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                    }
                }
            }
            return true;
        }

        @Override
        public void close() {
            process.destroy(); // SIGTERM: nginx's fast shutdown
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
