package dev.keydesk.outbox;

/** Carries out one kind of outbox item: sends an e-mail, calls a webhook. */
public interface Deliverer extends AutoCloseable {
    /** Throws {@link DeliveryFailure} when the item was not delivered. */
    void deliver(OutboxItem item);

    /** Releases what the deliverer holds (connections, threads); called once its sender has stopped. */
    @Override
    default void close() {}
}
