package dev.keydesk.webhook;

import dev.keydesk.outbox.Deliverer;
import dev.keydesk.outbox.DeliveryFailure;
import dev.keydesk.outbox.OutboxItem;
import dev.keydesk.outbox.Payloads;
import dev.keydesk.security.KeyCipher;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Calls a bot's Webhook URL with a signed key event: exactly one request, to the address that
 * passed {@link WebhookTargets#check}, and redirects are never followed (a 3xx is a failed
 * attempt whose Location goes into the delivery log).
 *
 * <p>Why Jetty's HttpClient: it is the same Jetty, in the same version, that already serves
 * Keydesk, and since Jetty 12 a request can carry its own {@link Transport}. A transport that
 * needs no name resolution and connects to a given socket address pins the connection to the
 * checked address, while everything above the socket still uses the URL's host name: the Host
 * header, TLS server name indication and certificate host name verification. The JDK's
 * HttpClient cannot connect to an address other than the one it resolves itself.
 */
public final class WebhookDeliverer implements Deliverer {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_LOCATION = 300;

    private final WebhookTargets targets;
    private final KeyCipher cipher;
    private final Clock clock;
    private final HttpClient client;
    private boolean started;

    public WebhookDeliverer(WebhookTargets targets, KeyCipher cipher, Clock clock) {
        this(targets, cipher, new SslContextFactory.Client(), clock);
    }

    /** {@code tls} decides which certificates are trusted; it always verifies the host name. */
    public WebhookDeliverer(WebhookTargets targets, KeyCipher cipher, SslContextFactory.Client tls, Clock clock) {
        this.targets = targets;
        this.clock = clock;
        this.cipher = cipher;
        tls.setEndpointIdentificationAlgorithm("HTTPS");
        client = new HttpClient();
        client.setSslContextFactory(tls);
        client.setFollowRedirects(false);
        client.setConnectTimeout(CONNECT_TIMEOUT.toMillis());
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "Keydesk-Webhooks"));
        // Every request brings its own pinned transport; a request without one must not resolve anything.
        client.setSocketAddressResolver((host, port, context, promise) ->
                promise.failed(new UnknownHostException("webhook calls connect only to checked addresses")));
        client.setDestinationIdleTimeout(Duration.ofMinutes(1).toMillis());
        QueuedThreadPool threads = new QueuedThreadPool(8, 1);
        threads.setName("keydesk-webhook-client");
        threads.setDaemon(true);
        client.setExecutor(threads);
        client.setScheduler(new ScheduledExecutorScheduler("keydesk-webhook-timeouts", true));
    }

    @Override
    public void deliver(OutboxItem item) {
        Map<String, String> payload = Payloads.read(item);
        String body = payload.get("body");
        String token = cipher.decrypt(KeyCipher.Purpose.BOT_TOKEN, item.botId(), item.secret());
        WebhookTargets.Target target = targets.check(parse(payload.get("url")));
        int status = post(target, item, body, WebhookSignature.header(token, clock.instant().getEpochSecond(), body));
        if (status >= 200 && status < 300) return;
        throw new DeliveryFailure("HTTP " + status + " from " + target.host(), false);
    }

    /**
     * Sends the request and waits at most {@link #TIMEOUT} for the answer's headers. The answer's
     * body is never read: the exchange is cut off once the status is known, so a receiver that
     * trickles it cannot hold the sender. Returns the status; a redirect is a failure.
     */
    private int post(WebhookTargets.Target target, OutboxItem item, String body, String signature) {
        Request request = client()
                .newRequest(target.uri())
                .transport(new PinnedTransport(socketAddress(target)))
                .method(HttpMethod.POST)
                .followRedirects(false)
                .timeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .headers(h -> h
                        .put(HttpHeader.CONNECTION, "close")
                        .put("X-Keydesk-Event", item.event())
                        .put("X-Keydesk-Delivery", Long.toString(item.id()))
                        .put(WebhookSignature.HEADER, signature))
                .body(new StringRequestContent("application/json", body, StandardCharsets.UTF_8));
        InputStreamResponseListener listener = new InputStreamResponseListener();
        request.send(listener);
        try {
            Response response = listener.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            int status = response.getStatus();
            String location = response.getHeaders().get(HttpHeader.LOCATION);
            try (InputStream unread = listener.getInputStream()) {
                request.abort(new CancellationException("the answer's body is not read"));
            }
            if (status >= 300 && status < 400) {
                throw new DeliveryFailure("HTTP " + status + " from " + target.host() + ": redirect"
                        + (location == null ? "" : " to " + printable(location)) + " not followed", false);
            }
            return status;
        } catch (TimeoutException e) {
            request.abort(e);
            throw new DeliveryFailure("timed out calling " + target.host(), false);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof TimeoutException) throw new DeliveryFailure("timed out calling " + target.host(), false);
            throw new DeliveryFailure("cannot reach " + target.host() + ": " + describe(cause), false);
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new DeliveryFailure("interrupted", false);
        } catch (java.io.IOException e) {
            throw new DeliveryFailure("cannot reach " + target.host() + ": " + describe(e), false);
        }
    }

    /**
     * The checked address, labelled with the URL's host name: Jetty takes the name for TLS (the
     * server name sent and the name the certificate must carry) from the socket address it
     * connects to. Labelling looks nothing up.
     */
    static InetSocketAddress socketAddress(WebhookTargets.Target target) {
        String host = target.host();
        boolean literal = host.startsWith("[") || host.equals(target.address().getHostAddress());
        try {
            InetAddress named = InetAddress.getByAddress(literal ? null : host, target.address().getAddress());
            return new InetSocketAddress(named, target.port());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("A resolved address always has a valid length", e);
        }
    }

    /** Starts the client on first use, so processes that never call a webhook (admin commands) never start it. */
    private synchronized HttpClient client() {
        if (!started) {
            try {
                client.start();
            } catch (Exception e) {
                throw new DeliveryFailure("cannot start the HTTP client: " + e.getMessage(), false);
            }
            started = true;
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (!started) return;
        try {
            client.stop();
        } catch (Exception e) {
            // Stopping is best effort: the threads are daemons.
        }
        started = false;
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }

    /** The receiver chooses the Location; keep it one short printable line in the log. */
    private static String printable(String location) {
        String s = location.codePoints().filter(c -> !Character.isISOControl(c))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return s.length() > MAX_LOCATION ? s.substring(0, MAX_LOCATION) + "…" : s;
    }

    private static URI parse(String url) {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new DeliveryFailure("refused: not a URL", true);
        }
    }

    /**
     * TCP to one fixed socket address: the connection goes to the checked address, whatever the
     * URL's host name would resolve to now. Equal for equal addresses, so Jetty keeps one
     * destination per host, port and address.
     */
    static final class PinnedTransport extends Transport.Wrapper {
        private final InetSocketAddress address;

        PinnedTransport(InetSocketAddress address) {
            super(Transport.TCP_IP);
            this.address = address;
        }

        @Override
        public boolean requiresDomainNameResolution() {
            return false;
        }

        @Override
        public SocketAddress getSocketAddress() {
            return address;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof PinnedTransport that && address.equals(that.address);
        }

        @Override
        public int hashCode() {
            return Objects.hash(PinnedTransport.class, address);
        }

        @Override
        public String toString() {
            return "PinnedTransport[" + address + "]";
        }
    }
}
