package dev.keydesk.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The check of an entered Webhook URL, with a stand-in resolver: no network, no server. */
class WebhookTargetsTest {
    private static WebhookTargets.Resolver answering(String... addresses) {
        return host -> {
            InetAddress[] out = new InetAddress[addresses.length];
            for (int i = 0; i < addresses.length; i++) out[i] = InetAddress.getByName(addresses[i]);
            return out;
        };
    }

    @Test
    void aNameIsRefusedWhenAnyOfItsAddressesIsInternal() {
        WebhookTargets targets = new WebhookTargets(false, answering("93.184.216.34", "10.1.2.3"));
        Optional<String> problem = targets.problemWith(URI.create("https://hooks.example.com/x"));
        assertTrue(problem.orElseThrow().contains("internal address"), problem.toString());
        assertTrue(!problem.get().contains("10.1.2.3"), "the address is not told: " + problem.get());
    }

    @Test
    void aNameWithOnlyPublicAddressesIsAccepted() {
        WebhookTargets targets = new WebhookTargets(false, answering("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"));
        assertEquals(Optional.empty(), targets.problemWith(URI.create("https://hooks.example.com/x")));
    }

    /** Accepted when entered, as on a Zulip server: each delivery resolves and checks it again. */
    @Test
    void aNameThatDoesNotResolveYetIsAcceptedWhenEntered() {
        WebhookTargets targets = new WebhookTargets(false, host -> {
            throw new UnknownHostException(host);
        });
        assertEquals(Optional.empty(), targets.problemWith(URI.create("https://hooks.example.com/x")));
        assertEquals(Optional.empty(), new WebhookTargets(false, host -> new InetAddress[0])
                .problemWith(URI.create("https://empty.example.com/")));
    }

    @Test
    void withPrivateTargetsAllowedNothingIsLookedUp() {
        AtomicInteger lookups = new AtomicInteger();
        WebhookTargets targets = new WebhookTargets(true, host -> {
            lookups.incrementAndGet();
            throw new UnknownHostException(host);
        });
        assertEquals(Optional.empty(), targets.problemWith(URI.create("http://127.0.0.1/x")));
        assertEquals(Optional.empty(), targets.problemWith(URI.create("https://only-inside.corp/x")));
        assertEquals(0, lookups.get());
        assertTrue(targets.problemWith(URI.create("ftp://127.0.0.1/x")).isPresent(), "the switch allows addresses, not schemes");
    }
}
