package dev.keydesk.api;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.TestKeydesk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that sends {@code Expect: 100-continue} waits for leave before sending its body. A
 * body Keydesk will refuse as too large must be refused at once, from its declared length: no
 * {@code 100 Continue}, no connection held open waiting for a body that never comes.
 * Raw sockets, since HTTP client libraries hide the interim answer.
 */
@IntegrationTest
class ExpectContinueTest {
    /**
     * A correctness deadline, not a speed budget: the answer must come without the body, which is
     * never sent, so a server that waited for it would send a 100 Continue or nothing at all.
     */
    private static final Duration PROMPTLY = Duration.ofSeconds(30);

    private final TestKeydesk keydesk = TestKeydesk.get();

    @BeforeEach
    void setUp() {
        keydesk.reset();
        Fixtures.member("iago@zulip.com");
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", keydesk.primary().port());
        socket.setSoTimeout((int) PROMPTLY.toMillis());
        return socket;
    }

    private static void sendHeaders(Socket socket, String path, String contentType, long length) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\n"
                + "Host: localhost\r\n"
                + "Content-Type: " + contentType + "\r\n"
                + "Content-Length: " + length + "\r\n"
                + "Expect: 100-continue\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** One head (status line and headers), read within {@link #PROMPTLY}. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        Instant deadline = Instant.now().plus(PROMPTLY);
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("No complete answer within " + PROMPTLY + "; got: " + head, e);
            }
            if (b < 0) throw new AssertionError("Connection closed after: " + head);
            head.write(b);
            if (Instant.now().isAfter(deadline)) throw new AssertionError("Too slow; got: " + head);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aTooLargeDeclaredBodyIsRefusedAtOnceWithoutAContinue() throws Exception {
        String[][] cases = {
                {"/api/v1/fetch_api_key", "application/x-www-form-urlencoded", Long.toString(10L * 1024 * 1024)},
                {"/api/v1/bots", "multipart/form-data; boundary=xyz", Long.toString(7L * 1024 * 1024)},
                {"/login", "application/x-www-form-urlencoded", Long.toString(100L * 1024)},
                {"/api/v1/fetch_api_key", "application/x-www-form-urlencoded", Long.toString(1L << 40)},
        };
        for (String[] c : cases) {
            try (Socket socket = connect()) {
                sendHeaders(socket, c[0], c[1], Long.parseLong(c[2]));
                String head = readHead(socket.getInputStream());
                assertTrue(head.startsWith("HTTP/1.1 413 "), c[0] + " " + c[2] + " answered:\n" + head);
                assertTrue(head.toLowerCase().contains("connection: close"),
                        "the body is never read, so the connection is not kept:\n" + head);
            }
        }
    }

    @Test
    void anAcceptableBodyStillGetsItsContinue() throws Exception {
        byte[] body = "username=iago%40zulip.com&password=wrong".getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = connect()) {
            sendHeaders(socket, "/api/v1/fetch_api_key", "application/x-www-form-urlencoded", body.length);
            InputStream in = socket.getInputStream();
            String interim = readHead(in);
            assertTrue(interim.startsWith("HTTP/1.1 100 "), interim);
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            String answer = readHead(in);
            assertEquals("HTTP/1.1 401 Unauthorized", answer.lines().findFirst().orElse(""), answer);
        }
    }
}
