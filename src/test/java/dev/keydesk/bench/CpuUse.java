package dev.keydesk.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time used so far, in nanoseconds, by each part of this machine that a benchmarked request
 * goes through: the Keydesk servers' request threads, the load client's threads, the JVM's own
 * threads (JIT compilers, garbage collector: the process's total less its Java threads), every
 * PostgreSQL process by kind ({@link PostgresCpu}), and the rest of this JVM's Java threads
 * (Keydesk's background jobs, the benchmark itself). The difference of two readings says where
 * a round's CPU went.
 *
 * <p>Java threads are read per thread (nanoseconds), processes from the kernel's counters (in
 * ticks of 10 ms, which over rounds of seconds is close enough). A difference counts each Java
 * thread from its first reading on: a server thread that ends between two readings (Jetty ends
 * threads left idle for a minute) would otherwise take all its past CPU out of its part and
 * into the JVM's own. What a thread did in the round it ended in counts as the JVM's own; the
 * load client's threads live as long as the benchmark; PostgreSQL's processes are followed
 * through their ends ({@link PostgresCpu}).
 */
record CpuUse(long requestThreads, long loadClient, long jvmInternals, long postgresConnections,
              long postgresAutovacuum, long postgresBackground, long other) {
    /** The name of every Java thread the load client's calls run on. */
    static final String LOAD_THREAD_PREFIX = "load-client-";

    static final CpuUse NONE = new CpuUse(0, 0, 0, 0, 0, 0, 0);

    /** Which part a Java thread's CPU counts in. */
    private enum Part { REQUEST, LOAD, OTHER }

    /** A Java thread's part and CPU time so far. */
    private record ThreadCpu(Part part, long nanos) {}

    /** Everything's CPU time so far; the difference of two is a {@link CpuUse}. */
    record Reading(Map<Long, ThreadCpu> javaThreads, long process, PostgresCpu.Reading postgres) {
        CpuUse minus(Reading earlier) {
            long[] byPart = new long[Part.values().length];
            javaThreads.forEach((id, now) -> {
                ThreadCpu before = earlier.javaThreads.get(id);
                byPart[now.part().ordinal()] += now.nanos() - (before == null ? 0 : before.nanos());
            });
            long java = Arrays.stream(byPart).sum();
            var postgresSince = postgres.minus(earlier.postgres);
            return new CpuUse(byPart[Part.REQUEST.ordinal()], byPart[Part.LOAD.ordinal()],
                    Math.max(0, process - earlier.process - java), postgresSince.get(PostgresCpu.Kind.CONNECTION),
                    postgresSince.get(PostgresCpu.Kind.AUTOVACUUM), postgresSince.get(PostgresCpu.Kind.BACKGROUND),
                    byPart[Part.OTHER.ordinal()]);
        }
    }

    static Reading now(Path postgresDataDir) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, ThreadCpu> javaThreads = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) continue; // ended since the ids were read
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu < 0) continue;
            String name = info.getThreadName();
            // A request's argon2id runs on the hashing threads while the request thread waits for it.
            Part part = name.startsWith("JettyServerThreadPool") || name.startsWith("keydesk-argon2-") ? Part.REQUEST
                    : name.startsWith(LOAD_THREAD_PREFIX) ? Part.LOAD : Part.OTHER;
            javaThreads.put(info.getThreadId(), new ThreadCpu(part, cpu));
        }
        return new Reading(javaThreads, cpuOf(Stream.of(ProcessHandle.current())), PostgresCpu.read(postgresDataDir));
    }

    private static long cpuOf(Stream<ProcessHandle> processes) {
        return processes.mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
    }

    CpuUse plus(CpuUse more) {
        return new CpuUse(requestThreads + more.requestThreads, loadClient + more.loadClient,
                jvmInternals + more.jvmInternals, postgresConnections + more.postgresConnections,
                postgresAutovacuum + more.postgresAutovacuum, postgresBackground + more.postgresBackground,
                other + more.other);
    }

    long total() {
        return requestThreads + loadClient + jvmInternals + postgresConnections + postgresAutovacuum + postgresBackground + other;
    }
}
