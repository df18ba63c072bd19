package dev.keydesk.webhook;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.keydesk.outbox.DeliveryFailure;
import dev.keydesk.outbox.OutboxItem;
import dev.keydesk.security.KeyCipher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook deliverer on its own, against real HTTP(S) receivers on this machine and a
 * stand-in name resolver: it connects to the address that was checked and to no other, looks
 * the name up once, keeps the host name for Host, SNI and certificate checks, and never follows
 * a redirect. No database, no Keydesk server.
 */
@IntegrationTest
class WebhookDelivererTest {
    private static final long BOT_ID = 7;
    private static final String TOKEN = "the-bots-signing-token";
    private static final String HOST = "hooks.example.test";

    private final KeyCipher cipher = new KeyCipher(new SecretKeySpec(randomBytes(32), "AES"));
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
    }

    /** Answers the first look-up with {@code first}, every later one with {@code later}, and counts them. */
    static final class ChangingResolver implements WebhookTargets.Resolver {
        final AtomicInteger lookups = new AtomicInteger();
        private final InetAddress[] first;
        private final InetAddress[] later;

        ChangingResolver(String first, String later) throws UnknownHostException {
            this.first = new InetAddress[] {InetAddress.getByName(first)};
            this.later = new InetAddress[] {InetAddress.getByName(later)};
        }

        @Override
        public InetAddress[] resolve(String host) {
            assertEquals(HOST, host, "only the webhook's own host is looked up");
            return lookups.getAndIncrement() == 0 ? first.clone() : later.clone();
        }
    }

    private WebhookDeliverer deliverer(WebhookTargets targets) {
        return deliverer(targets, new SslContextFactory.Client());
    }

    private WebhookDeliverer deliverer(WebhookTargets targets, SslContextFactory.Client tls) {
        WebhookDeliverer deliverer = new WebhookDeliverer(targets, cipher, tls, Clock.systemUTC());
        toClose.add(deliverer);
        return deliverer;
    }

    private OutboxItem item(String url) {
        String payload = "{\"url\":\"" + url + "\",\"body\":\"{\\\"event\\\":\\\"key.regenerated\\\"}\"}";
        return new OutboxItem(41, "webhook", payload, BOT_ID, "key.regenerated",
                cipher.encrypt(KeyCipher.Purpose.BOT_TOKEN, BOT_ID, TOKEN), 1, 8, "lease");
    }

    private Receiver receiver() throws IOException {
        Receiver receiver = new Receiver(null);
        toClose.add(receiver);
        return receiver;
    }

    // ---------------------------------------------------------------- pinning

    @Test
    void theCallGoesToTheCheckedAddressUnderItsHostNameAndTheNameIsLookedUpOnce() throws Exception {
        Receiver receiver = receiver();
        // 127.0.0.2 answers on this machine but nothing listens there on the receiver's port: a second
        // look-up that was used for the connection would make the call fail.
        ChangingResolver resolver = new ChangingResolver("127.0.0.1", "127.0.0.2");
        WebhookDeliverer deliverer = deliverer(new WebhookTargets(true, resolver));

        deliverer.deliver(item("http://" + HOST + ":" + receiver.port() + "/hook"));

        assertEquals(1, resolver.lookups.get(), "the name is looked up once, by the check");
        assertEquals(1, receiver.requests.size());
        Receiver.Request request = receiver.requests.get(0);
        assertEquals("/hook", request.path());
        assertEquals(HOST + ":" + receiver.port(), request.header("Host"), "the Host header keeps the name");
        assertEquals("key.regenerated", request.header("X-Keydesk-Event"));
        assertEquals("41", request.header("X-Keydesk-Delivery"));
        assertTrue(request.header("X-Keydesk-Signature").startsWith("t="), request.header("X-Keydesk-Signature"));
        assertEquals("{\"event\":\"key.regenerated\"}", request.body());

        // The next call checks afresh, and goes where that check's answer points.
        DeliveryFailure failure = assertThrows(DeliveryFailure.class,
                () -> deliverer.deliver(item("http://" + HOST + ":" + receiver.port() + "/again")));
        assertTrue(failure.getMessage().startsWith("cannot reach " + HOST), failure.getMessage());
        assertEquals(2, resolver.lookups.get());
        assertEquals(1, receiver.requests.size(), "the second call went to the second answer, where nothing listens");
    }

    @Test
    void aNameThatResolvesToAnInternalAddressAfterTheCheckCannotRedirectTheCall() throws Exception {
        Receiver receiver = receiver();
        // DNS rebinding: a public address for the check, then the receiver's loopback address.
        ChangingResolver resolver = new ChangingResolver("203.0.113.7", "127.0.0.1");
        WebhookDeliverer deliverer = deliverer(new WebhookTargets(false, resolver));

        DeliveryFailure failure = assertThrows(DeliveryFailure.class,
                () -> deliverer.deliver(item("http://" + HOST + ":" + receiver.port() + "/hook")));

        assertFalse(failure.permanent(), failure.getMessage());
        assertTrue(failure.getMessage().contains(HOST), failure.getMessage());
        assertEquals(1, resolver.lookups.get(), "the name was not looked up again to connect");
        assertEquals(List.of(), receiver.requests, "the loopback receiver heard nothing");
    }

    @Test
    void anInternalAnswerIsRefusedWithoutAnyConnection() throws Exception {
        Receiver receiver = receiver();
        WebhookTargets.Resolver resolver = host -> new InetAddress[] {
                InetAddress.getByName("203.0.113.7"), InetAddress.getByName("127.0.0.1")};
        DeliveryFailure failure = assertThrows(DeliveryFailure.class, () -> deliverer(new WebhookTargets(false, resolver))
                .deliver(item("http://" + HOST + ":" + receiver.port() + "/hook")));
        assertTrue(failure.permanent());
        assertEquals("refused: the host resolves to an internal address", failure.getMessage());
        assertEquals(List.of(), receiver.requests);
    }

    // ---------------------------------------------------------------- redirects

    @Test
    void aRedirectIsAFailedAttemptNamingItsLocationAndIsNotFollowed() throws Exception {
        Receiver elsewhere = receiver();
        for (int status : new int[] {301, 302, 303, 307, 308}) {
            Receiver redirecting = new Receiver(new Redirect(status, elsewhere.url("/caught")));
            toClose.add(redirecting);
            WebhookDeliverer deliverer = deliverer(new WebhookTargets(true));

            DeliveryFailure failure = assertThrows(DeliveryFailure.class,
                    () -> deliverer.deliver(item(redirecting.url("/hook"))));

            assertFalse(failure.permanent(), "a redirect is retried like other failed answers");
            assertTrue(failure.getMessage().startsWith("HTTP " + status + " from 127.0.0.1"), failure.getMessage());
            assertTrue(failure.getMessage().contains(elsewhere.url("/caught")), failure.getMessage());
            assertTrue(failure.getMessage().contains("not followed"), failure.getMessage());
            assertEquals(1, redirecting.requests.size());
        }
        assertEquals(List.of(), elsewhere.requests, "no redirect was followed");
    }

    // ---------------------------------------------------------------- TLS

    @Test
    void tlsNamesAndVerifiesTheHostNameWhileConnectingToThePinnedAddress() throws Exception {
        KeyStore certificate = selfSigned(HOST);
        Receiver receiver = Receiver.https(certificate);
        toClose.add(receiver);
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setTrustStore(certificate);
        WebhookDeliverer deliverer = deliverer(new WebhookTargets(true, host -> InetAddress.getAllByName("127.0.0.1")), tls);

        deliverer.deliver(item("https://" + HOST + ":" + receiver.port() + "/hook"));

        assertEquals(1, receiver.requests.size());
        assertEquals(List.of(HOST), receiver.serverNames, "the TLS server name is the URL's host name");
        assertEquals(HOST + ":" + receiver.port(), receiver.requests.get(0).header("Host"));

        // The same certificate does not pass for another name that also resolves to this machine.
        DeliveryFailure failure = assertThrows(DeliveryFailure.class,
                () -> deliverer.deliver(item("https://other.example.test:" + receiver.port() + "/hook")));
        assertTrue(failure.getMessage().startsWith("cannot reach other.example.test"), failure.getMessage());
        assertEquals(1, receiver.requests.size(), "nothing was sent over a connection to the wrong name");
    }

    // ---------------------------------------------------------------- helpers

    private KeyStore selfSigned(String host) throws Exception {
        Path file = dir.resolve("receiver.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + host, "-ext", "SAN=dns:" + host, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool: " + output);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, "changeit".toCharArray());
        }
        return store;
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    record Redirect(int status, String location) {}

    /** An HTTP(S) receiver on 127.0.0.1 that records each request, answering 200 or a set redirect. */
    static final class Receiver implements AutoCloseable {
        record Request(String path, Map<String, String> headers, String body) {
            String header(String name) {
                return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                        .map(Map.Entry::getValue).findFirst().orElse(null);
            }
        }

        final List<Request> requests = new CopyOnWriteArrayList<>();
        /** The TLS server names clients asked for (HTTPS receivers only). */
        final List<String> serverNames;
        private final HttpServer server;
        private final Redirect redirect;
        private final String scheme;

        Receiver(Redirect redirect) throws IOException {
            this(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), redirect, "http", List.of());
        }

        private Receiver(HttpServer server, Redirect redirect, String scheme, List<String> serverNames) {
            this.server = server;
            this.serverNames = serverNames;
            this.redirect = redirect;
            this.scheme = scheme;
            server.createContext("/", this::handle);
            server.start();
        }

        static Receiver https(KeyStore certificate) throws Exception {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(certificate, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            List<String> names = new CopyOnWriteArrayList<>();
            server.setHttpsConfigurator(new HttpsConfigurator(context) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters parameters = context.getDefaultSSLParameters();
                    parameters.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
                        @Override
                        public boolean matches(SNIServerName name) {
                            names.add(((SNIHostName) name).getAsciiName());
                            return true;
                        }
                    }));
                    params.setSSLParameters(parameters);
                }
            });
            return new Receiver(server, null, "https", names);
        }

        int port() {
            return server.getAddress().getPort();
        }

        String url(String path) {
            return scheme + "://127.0.0.1:" + port() + path;
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(",", values)));
                requests.add(new Request(exchange.getRequestURI().getPath(), headers, body));
                int status = 200;
                if (redirect != null) {
                    exchange.getResponseHeaders().add("Location", redirect.location());
                    status = redirect.status();
                }
                byte[] answer = "ok".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
