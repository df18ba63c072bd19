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
 * PostgreSQL process, and the rest of this JVM's Java threads (Keydesk's background jobs, the
 * benchmark itself). The difference of two readings says where a round's CPU went.
 *
 * <p>Java threads are read per thread (nanoseconds), processes from the kernel's counters (in
 * ticks of 10 ms, which over rounds of seconds is close enough). A thread or process that ends
 * between two readings takes its CPU out of its part; the load client's threads therefore live
 * as long as the benchmark.
 */
record CpuUse(long requestThreads, long loadClient, long jvmInternals, long postgres, long other) {
    /** The name of every Java thread the load client's calls run on. */
    static final String LOAD_THREAD_PREFIX = "load-client-";

    static CpuUse now(Path postgresDataDir) {
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
        return new CpuUse(request, load, Math.max(0, process - request - load - other), postgres(postgresDataDir), other);
    }

    /** The postmaster (its pid is the first line of postmaster.pid) and every process under it. */
    private static long postgres(Path dataDir) {
        try {
            long pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
            return ProcessHandle.of(pid).map(p -> cpuOf(Stream.concat(Stream.of(p), p.descendants()))).orElse(0L);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Cannot read the PostgreSQL server's process id in " + dataDir, e);
        }
    }

    private static long cpuOf(Stream<ProcessHandle> processes) {
        return processes.mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
    }

    CpuUse minus(CpuUse earlier) {
        return new CpuUse(requestThreads - earlier.requestThreads, loadClient - earlier.loadClient,
                jvmInternals - earlier.jvmInternals, postgres - earlier.postgres, other - earlier.other);
    }

    CpuUse plus(CpuUse more) {
        return new CpuUse(requestThreads + more.requestThreads, loadClient + more.loadClient,
                jvmInternals + more.jvmInternals, postgres + more.postgres, other + more.other);
    }

    long total() {
        return requestThreads + loadClient + jvmInternals + postgres + other;
    }
}
