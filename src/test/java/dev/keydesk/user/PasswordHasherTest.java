package dev.keydesk.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {
    private static Set<Thread> hashingThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("keydesk-argon2-"))
                .collect(Collectors.toSet());
    }

    @Test
    void manyParallelCallersShareTheFewHashingThreadsAndEachGetsItsOwnAnswer() throws Exception {
        Set<Thread> before = hashingThreads();
        try (PasswordHasher hasher = PasswordHasher.onThreads(2)) {
            String hash = hasher.hash("correct horse");
            ExecutorService callers = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> right = new ArrayList<>(), wrong = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    right.add(callers.submit(() -> hasher.verify(hash, "correct horse")));
                    wrong.add(callers.submit(() -> hasher.verify(hash, "correct horse!")));
                }
                for (Future<Boolean> answer : right) assertTrue(answer.get());
                for (Future<Boolean> answer : wrong) assertFalse(answer.get());
            } finally {
                callers.shutdownNow();
            }
            Set<Thread> made = hashingThreads();
            made.removeAll(before);
            assertEquals(2, made.size(), "twelve verifications from eight callers ran on the hasher's two threads");
        }
    }

    @Test
    void aMissingHashNeverMatchesNotEvenTheDecoysOwnPassword() {
        try (PasswordHasher hasher = PasswordHasher.onThreads(1)) {
            assertFalse(hasher.verify(null, "decoy password that matches no account"));
            assertFalse(hasher.verify(null, ""));
        }
    }

    @Test
    void onTheCallersThreadItHashesAlike() {
        PasswordHasher here = new PasswordHasher();
        String hash = here.hash("pässwörd");
        try (PasswordHasher pooled = PasswordHasher.onThreads(1)) {
            assertTrue(pooled.verify(hash, "pässwörd"), "a hash made on the caller's thread verifies on the pool's");
            assertTrue(here.verify(pooled.hash("pässwörd"), "pässwörd"), "and the other way round");
        }
    }

    @Test
    void aClosedHasherRefusesWorkInsteadOfWaitingForever() {
        PasswordHasher hasher = PasswordHasher.onThreads(1);
        hasher.close();
        assertThrows(RejectedExecutionException.class, () -> hasher.verify(null, "anything"));
        assertThrows(IllegalArgumentException.class, () -> PasswordHasher.onThreads(0));
    }
}
