package dev.keydesk.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * A minimal HTTP/1.1 keep-alive client over loopback, in the spirit of wrk: each thread sends one
 * pre-encoded request after another on its own connection and reads the answer, nothing
 * more (no response checking against the API description, no header parsing beyond the status
 * and the body's length), so the client costs as little of the machine's two cores as it can.
 */
final class LoopbackLoad {
    /** One request, encoded once. */
    record Request(String host, int port, byte[] bytes) {
        static Request get(int port, String path, String... headers) {
            StringBuilder text = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: localhost:")
                    .append(port).append("\r\n");
            for (String header : headers) text.append(header).append("\r\n");
            text.append("\r\n");
            return new Request("127.0.0.1", port, text.toString().getBytes(StandardCharsets.ISO_8859_1));
        }

        /** A POST of an URL-encoded form (ASCII, as {@code Http.urlencode} makes it). */
        static Request postForm(int port, String path, String form) {
            String text = "POST " + path + " HTTP/1.1\r\nHost: localhost:" + port
                    + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + form.length() + "\r\n\r\n" + form;
            return new Request("127.0.0.1", port, text.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** A kept-alive connection that sends requests and returns the answers' statuses. */
    static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Connection(Request target) {
            try {
                socket = new Socket(target.host(), target.port());
                socket.setTcpNoDelay(true);
                out = socket.getOutputStream();
                in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        int send(Request request) {
            try {
                out.write(request.bytes());
                out.flush();
                return readResponse();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private int readResponse() throws IOException {
            String status = line();
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) length = Long.parseLong(lower.substring(15).trim());
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
            }
            if (chunked) {
                for (long size = Long.parseLong(line().trim(), 16); size > 0; size = Long.parseLong(line().trim(), 16)) {
                    skip(size);
                    line();
                }
                line();
            } else if (length > 0) {
                skip(length);
            }
            return code;
        }

        private void skip(long n) throws IOException {
            while (n > 0) {
                long skipped = in.skip(n);
                if (skipped <= 0) {
                    if (in.read() < 0) throw new IOException("connection closed");
                    skipped = 1;
                }
                n -= skipped;
            }
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) throw new IOException("connection closed");
                if (c != '\r') line.append((char) c);
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private LoopbackLoad() {}

    /** Requests per second with {@code threads} connections for {@code millis}, each answer expected to be {@code status}. */
    static double throughput(Request request, int status, int threads, long millis) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        LongAdder done = new LongAdder();
        long started = System.nanoTime();
        long deadline = started + millis * 1_000_000;
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                try (Connection connection = new Connection(request)) {
                    while (System.nanoTime() < deadline) {
                        expect(status, connection.send(request));
                        done.increment();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) f.get();
        pool.shutdown();
        return done.sum() / ((System.nanoTime() - started) / 1e9);
    }

    /** Latencies in nanoseconds of requests paced at {@code perSecond} on one connection for {@code millis}. */
    static long[] latenciesAtRate(Request request, int status, double perSecond, long millis) throws Exception {
        List<Long> latencies = new ArrayList<>();
        try (Connection connection = new Connection(request)) {
            for (int i = 0; i < 200; i++) expect(status, connection.send(request)); // warm the connection
            long interval = (long) (1e9 / perSecond);
            long next = System.nanoTime();
            long end = next + millis * 1_000_000;
            while (next < end) {
                long wait = next - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                long t0 = System.nanoTime();
                expect(status, connection.send(request));
                latencies.add(System.nanoTime() - t0);
                next += interval;
            }
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return sorted;
    }

    static double percentileMillis(long[] sortedNanos, double p) {
        int index = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, index))] / 1e6;
    }

    static void expect(int status, int actual) {
        if (actual != status) throw new IllegalStateException("expected " + status + " but got " + actual);
    }
}
