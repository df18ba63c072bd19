package dev.keydesk.bot;

import java.net.URI;
import java.util.Optional;

/**
 * Looks at where an entered Webhook URL leads (a network look-up, so it is not part of
 * {@link BotRules}): the reason Keydesk would not call it, in words for the person who typed
 * it, or empty.
 */
@FunctionalInterface
public interface WebhookUrlCheck {
    Optional<String> problemWith(URI url);

    /** Accepts every URL that {@link BotRules#payloadUrl} accepts. */
    WebhookUrlCheck NONE = url -> Optional.empty();
}
