package dev.keydesk.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of the PostgreSQL server's processes, by kind, from the kernel's counters in /proc
 * (Linux): its connections (which run the statements), autovacuum, and its other background
 * processes (WAL writer, checkpointer, background writer, the postmaster itself). A process is
 * told by the title PostgreSQL gives it.
 *
 * <p>Autovacuum workers mostly start and end between two readings, and a process that ends is
 * no longer listed; the postmaster then adds its CPU to its own counters of ended children. A
 * reading keeps every process's time, so the difference of two readings counts each process
 * once: the listed ones by their own change, the ended ones by what the postmaster gained less
 * what they had at the first reading. Ended processes are counted with autovacuum, since the
 * connections stay open in the pool.
 */
final class PostgresCpu {
    /** The kernel's unit for a process's CPU time in /proc (USER_HZ, 100 on Linux). */
    private static final long NANOS_PER_TICK = 10_000_000;

    enum Kind { CONNECTION, AUTOVACUUM, BACKGROUND }

    private record Process(Kind kind, long ticks) {}

    /** Every process's ticks at one moment, and those of the postmaster's ended children. */
    record Reading(Map<Long, Process> processes, long endedTicks) {
        /** Nanoseconds per kind since {@code earlier}. */
        Map<Kind, Long> minus(Reading earlier) {
            Map<Kind, Long> nanos = new HashMap<>();
            for (Kind kind : Kind.values()) nanos.put(kind, 0L);
            long endedSince = endedTicks - earlier.endedTicks;
            for (var entry : processes.entrySet()) {
                Process before = earlier.processes.get(entry.getKey());
                long ticks = entry.getValue().ticks() - (before == null ? 0 : before.ticks());
                nanos.merge(entry.getValue().kind(), ticks * NANOS_PER_TICK, Long::sum);
            }
            for (var entry : earlier.processes.entrySet()) {
                if (!processes.containsKey(entry.getKey())) endedSince -= entry.getValue().ticks();
            }
            nanos.merge(Kind.AUTOVACUUM, Math.max(0, endedSince) * NANOS_PER_TICK, Long::sum);
            return nanos;
        }
    }

    private PostgresCpu() {}

    /** The postmaster (its pid is the first line of postmaster.pid) and every process under it. */
    static Reading read(Path dataDir) {
        try {
            long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
            long[] own = ticks(postmaster);
            Map<Long, Process> processes = new HashMap<>();
            processes.put(postmaster, new Process(Kind.BACKGROUND, own[0]));
            ProcessHandle.of(postmaster).ifPresent(p -> p.descendants().forEach(child -> {
                long[] ticks = ticks(child.pid());
                if (ticks != null) processes.put(child.pid(), new Process(kindOf(title(child.pid())), ticks[0]));
            }));
            return new Reading(processes, own[1]);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Cannot read the PostgreSQL server's processes for " + dataDir, e);
        }
    }

    private static Kind kindOf(String title) {
        if (title.startsWith("postgres: autovacuum")) return Kind.AUTOVACUUM;
        boolean background = Stream.of("checkpointer", "background writer", "walwriter", "logical replication",
                "stats", "archiver").anyMatch(name -> title.startsWith("postgres: " + name));
        return background ? Kind.BACKGROUND : Kind.CONNECTION;
    }

    private static String title(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ').trim();
        } catch (IOException e) {
            return ""; // ended since it was listed
        }
    }

    /** A process's own ticks (user and system) and its ended children's, or null once it has ended. */
    private static long[] ticks(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            return null;
        }
        // The fields after the command name (which may hold spaces): utime, stime, cutime, cstime are 14 to 17.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(fields[11]) + Long.parseLong(fields[12]),
                Long.parseLong(fields[13]) + Long.parseLong(fields[14])};
    }
}
