package dev.keydesk.user;

import de.mkammerer.argon2.Argon2;
import de.mkammerer.argon2.Argon2Factory;
import java.util.Arrays;

/** argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane). */
public final class PasswordHasher {
    private static final int ITERATIONS = 2;
    private static final int MEMORY_KIB = 19_456;
    private static final int PARALLELISM = 1;

    private final Argon2 argon2 = Argon2Factory.create(Argon2Factory.Argon2Types.ARGON2id);
    /** Verified against when the account does not exist, so "no such user" takes as long as a wrong password. */
    private final String decoyHash = hash("decoy password that matches no account");

    public String hash(String password) {
        char[] chars = password.toCharArray();
        try {
            return argon2.hash(ITERATIONS, MEMORY_KIB, PARALLELISM, chars);
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    /** Verifies in constant time; a null hash (no account, or no password set) never matches. */
    public boolean verify(String hash, String password) {
        char[] chars = password.toCharArray();
        try {
            boolean matches = argon2.verify(hash == null ? decoyHash : hash, chars);
            return hash != null && matches;
        } finally {
            Arrays.fill(chars, '\0');
        }
    }
}
