package dev.keydesk.outbox;

/** Carries out one kind of outbox item: sends an e-mail, calls a webhook. */
public interface Deliverer {
    /** Throws {@link DeliveryFailure} when the item was not delivered. */
    void deliver(OutboxItem item);
}
