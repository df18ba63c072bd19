package dev.keydesk.webhook;

import dev.keydesk.security.KeyCipher;
import dev.keydesk.outbox.Deliverer;
import dev.keydesk.outbox.DeliveryFailure;
import dev.keydesk.outbox.OutboxItem;
import dev.keydesk.outbox.Payloads;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Calls a bot's Webhook URL with a signed key event. Redirects are followed by hand, each target checked. */
public final class WebhookDeliverer implements Deliverer {
    private static final int MAX_REDIRECTS = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final WebhookTargets targets;
    private final KeyCipher cipher;
    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(3))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    public WebhookDeliverer(WebhookTargets targets, KeyCipher cipher) {
        this.targets = targets;
        this.cipher = cipher;
    }

    @Override
    public void deliver(OutboxItem item) {
        Map<String, String> payload = Payloads.read(item);
        String body = payload.get("body");
        String token = cipher.decrypt(KeyCipher.Purpose.BOT_TOKEN, item.botId(), item.secret());
        long timestamp = Instant.now().getEpochSecond();
        URI target = parse(payload.get("url"));
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            targets.check(target);
            HttpResponse<InputStream> response = post(target, item, body, WebhookSignature.header(token, timestamp, body));
            int status = response.statusCode();
            if (status >= 200 && status < 300) return;
            if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                target = target.resolve(response.headers().firstValue("Location").get());
                continue;
            }
            throw new DeliveryFailure("HTTP " + status + " from " + target.getHost(), false);
        }
        throw new DeliveryFailure("too many redirects", true);
    }

    /**
     * The time-out covers the wait for the answer's headers; the answer's body is never read,
     * only closed, so a receiver that trickles it cannot hold the sender.
     */
    private HttpResponse<InputStream> post(URI target, OutboxItem item, String body, String signature) {
        HttpRequest request = HttpRequest.newBuilder(target)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Keydesk-Webhooks")
                .header("X-Keydesk-Event", item.event())
                .header("X-Keydesk-Delivery", Long.toString(item.id()))
                .header(WebhookSignature.HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            response.body().close();
            return response;
        } catch (HttpTimeoutException e) {
            throw new DeliveryFailure("timed out calling " + target.getHost(), false);
        } catch (IOException e) {
            throw new DeliveryFailure("cannot reach " + target.getHost() + ": " + e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryFailure("interrupted", false);
        }
    }

    private static URI parse(String url) {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new DeliveryFailure("refused: not a URL", true);
        }
    }
}
