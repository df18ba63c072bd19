package dev.keydesk.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * ticks of 10 ms, which over rounds of seconds is close enough). A thread that ends between two
 * readings takes its CPU out of its part, so the load client's threads live as long as the
 * benchmark; PostgreSQL's processes are followed through their ends ({@link PostgresCpu}).
 */
record CpuUse(long requestThreads, long loadClient, long jvmInternals, long postgresConnections,
              long postgresAutovacuum, long postgresBackground, long other) {
    /** The name of every Java thread the load client's calls run on. */
    static final String LOAD_THREAD_PREFIX = "load-client-";

    static final CpuUse NONE = new CpuUse(0, 0, 0, 0, 0, 0, 0);

    /** Everything's CPU time so far; the difference of two is a {@link CpuUse}. */
    record Reading(long requestThreads, long loadClient, long jvmInternals, PostgresCpu.Reading postgres, long other) {
        CpuUse minus(Reading earlier) {
            var postgresSince = postgres.minus(earlier.postgres);
            return new CpuUse(requestThreads - earlier.requestThreads, loadClient - earlier.loadClient,
                    jvmInternals - earlier.jvmInternals, postgresSince.get(PostgresCpu.Kind.CONNECTION),
                    postgresSince.get(PostgresCpu.Kind.AUTOVACUUM), postgresSince.get(PostgresCpu.Kind.BACKGROUND),
                    other - earlier.other);
        }
    }

    static Reading now(Path postgresDataDir) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long request = 0, load = 0, other = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) continue; // ended since the ids were read
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            if (cpu < 0) continue;
            String name = info.getThreadName();
            if (name.startsWith("JettyServerThreadPool")) request += cpu;
            else if (name.startsWith(LOAD_THREAD_PREFIX)) load += cpu;
            else other += cpu;
        }
        long process = cpuOf(Stream.of(ProcessHandle.current()));
        return new Reading(request, load, Math.max(0, process - request - load - other), PostgresCpu.read(postgresDataDir), other);
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
