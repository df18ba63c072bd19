package dev.keydesk.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for something another thread or process does, checked every few milliseconds: the time
 * given is a generous deadline after which the test fails, never a claim about speed.
 */
public final class Wait {
    private Wait() {}

    /** Waits until {@code condition} holds; fails with "timed out waiting for {@code what}" after {@code within}. */
    public static void until(String what, Duration within, BooleanSupplier condition) {
        until(within, condition, () -> "timed out waiting for " + what);
    }

    /** Waits until {@code condition} holds; fails with {@code failure}'s message after {@code within}. */
    public static void until(Duration within, BooleanSupplier condition, Supplier<String> failure) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(failure.get());
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
