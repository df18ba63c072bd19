package dev.keydesk.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An SMTP server's front door with STARTTLS, for a plain SMTP server behind it (GreenMail, which
 * has SMTPS but no STARTTLS): it greets, offers STARTTLS and nothing else, upgrades the connection
 * with its certificate, and from then on passes the conversation through to the server behind it.
 * It records each handshake's outcome and what clients said once encrypted (their SMTP commands,
 * including AUTH), so a test can tell that mail went over TLS and how the client logged in.
 */
public final class StartTlsFront implements AutoCloseable {
    private final ServerSocket server;
    private final SSLContext tls;
    private final int backendPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(work -> {
        Thread thread = new Thread(work, "starttls-front");
        thread.setDaemon(true);
        return thread;
    });
    private final List<String> handshakes = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream saidOverTls = new ByteArrayOutputStream();
    private final ByteArrayOutputStream answeredOverTls = new ByteArrayOutputStream();

    /** Listens on the address "localhost" names, the one a client given that host name connects to. */
    public StartTlsFront(SSLContext tls, int backendPort) throws IOException {
        this.tls = tls;
        this.backendPort = backendPort;
        server = new ServerSocket(0, 50, InetAddress.getByName("localhost"));
        threads.submit(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Each STARTTLS handshake: "ok TLSv1.3", or "failed: " and why. */
    public List<String> handshakes() {
        return List.copyOf(handshakes);
    }

    /** Everything clients sent after their handshakes succeeded. */
    public String saidOverTls() {
        synchronized (saidOverTls) {
            return saidOverTls.toString(StandardCharsets.UTF_8);
        }
    }

    /** Everything the server behind answered them. */
    public String answeredOverTls() {
        synchronized (answeredOverTls) {
            return answeredOverTls.toString(StandardCharsets.UTF_8);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.submit(() -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            write(out, "220 localhost ESMTP front door\r\n");
            for (String line; (line = readLine(in)) != null; ) {
                String verb = line.split(" ", 2)[0].toUpperCase(java.util.Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> write(out, "250-localhost\r\n250 STARTTLS\r\n");
                    case "HELO" -> write(out, "250 localhost\r\n");
                    case "STARTTLS" -> {
                        write(out, "220 2.0.0 Ready to start TLS\r\n");
                        upgrade(client);
                        return;
                    }
                    case "QUIT" -> {
                        write(out, "221 2.0.0 Bye\r\n");
                        client.close();
                        return;
                    }
                    default -> write(out, "530 5.7.0 Must issue a STARTTLS command first\r\n");
                }
            }
            client.close();
        } catch (IOException e) {
            closeQuietly(client); // the client went away
        }
    }

    private void upgrade(Socket client) throws IOException {
        SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(client, null, client.getPort(), true);
        secure.setUseClientMode(false);
        try {
            secure.startHandshake();
        } catch (IOException e) {
            handshakes.add("failed: " + e.getMessage());
            closeQuietly(secure);
            return;
        }
        handshakes.add("ok " + secure.getSession().getProtocol());
        Socket backend = new Socket(InetAddress.getLoopbackAddress(), backendPort);
        readLine(backend.getInputStream()); // its greeting: the client had ours before STARTTLS
        threads.submit(() -> pipe(backend.getInputStream(), secure.getOutputStream(), answeredOverTls, secure, backend));
        pipe(secure.getInputStream(), backend.getOutputStream(), saidOverTls, secure, backend);
    }

    /** Copies until either side closes, then closes both. */
    private static Void pipe(InputStream from, OutputStream to, ByteArrayOutputStream record, Socket a, Socket b) {
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = from.read(buffer)) > 0; ) {
                if (record != null) {
                    synchronized (record) {
                        record.write(buffer, 0, n);
                    }
                }
                to.write(buffer, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // one side went away
        } finally {
            closeQuietly(a);
            closeQuietly(b);
        }
        return null;
    }

    /** One line, read byte by byte so nothing after it (the TLS handshake) is consumed. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') return line.toString(StandardCharsets.US_ASCII).stripTrailing();
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
