package dev.keydesk.user;

import de.mkammerer.argon2.Argon2;
import de.mkammerer.argon2.Argon2Factory;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane).
 *
 * <p>A server hashes on a few threads of its own ({@link #onThreads}). Each argon2id run takes
 * 19 MiB from the C allocator, which keeps that memory in the running thread's arena afterwards:
 * run on whichever request thread took the login, the process grew by about 19 MiB for every
 * thread that ever checked a password (32 threads at once: 700 MiB). On {@code n} threads of its
 * own it stays near {@code n} × 19 MiB, and a flood of logins takes at most {@code n} cores, so
 * the rest of the API keeps answering.
 */
public final class PasswordHasher implements AutoCloseable {
    private static final int ITERATIONS = 2;
    private static final int MEMORY_KIB = 19_456;
    private static final int PARALLELISM = 1;

    private final Argon2 argon2 = Argon2Factory.create(Argon2Factory.Argon2Types.ARGON2id);
    /** Null: on the caller's thread. */
    private final ExecutorService threads;
    /** Verified against when the account does not exist, so "no such user" takes as long as a wrong password. */
    private final String decoyHash;

    /** Hashes on the caller's thread: for tools, tests and measuring argon2id itself. */
    public PasswordHasher() {
        this(null);
    }

    private PasswordHasher(ExecutorService threads) {
        this.threads = threads;
        this.decoyHash = hash("decoy password that matches no account");
    }

    /** Hashes and verifies on {@code count} threads of its own, the caller waiting for its turn. */
    public static PasswordHasher onThreads(int count) {
        if (count < 1) throw new IllegalArgumentException("At least one thread is needed, not " + count);
        AtomicInteger made = new AtomicInteger();
        return new PasswordHasher(Executors.newFixedThreadPool(count, work -> {
            Thread thread = new Thread(work, "keydesk-argon2-" + made.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }));
    }

    public String hash(String password) {
        char[] chars = password.toCharArray();
        return run(() -> {
            try {
                return argon2.hash(ITERATIONS, MEMORY_KIB, PARALLELISM, chars);
            } finally {
                Arrays.fill(chars, '\0');
            }
        });
    }

    /** Verifies in constant time; a null hash (no account, or no password set) never matches. */
    public boolean verify(String hash, String password) {
        char[] chars = password.toCharArray();
        boolean matches = run(() -> {
            try {
                return argon2.verify(hash == null ? decoyHash : hash, chars);
            } finally {
                Arrays.fill(chars, '\0');
            }
        });
        return hash != null && matches;
    }

    private <T> T run(Callable<T> work) {
        try {
            return threads == null ? work.call() : threads.submit(work).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for argon2id", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lets the hashing threads end once their work is done. */
    @Override
    public void close() {
        if (threads != null) threads.shutdown();
    }
}
