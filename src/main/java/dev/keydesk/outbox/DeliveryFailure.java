package dev.keydesk.outbox;

/** A failed delivery; {@code permanent} ones (a refused address, say) are not retried. */
public class DeliveryFailure extends RuntimeException {
    private final boolean permanent;

    public DeliveryFailure(String message, boolean permanent) {
        super(message, null, false, false);
        this.permanent = permanent;
    }

    public boolean permanent() {
        return permanent;
    }
}
