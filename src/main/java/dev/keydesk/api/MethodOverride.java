package dev.keydesk.api;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Zulip's rest_dispatch: an API {@code POST} whose form carries {@code method=PATCH} (or
 * {@code PUT}, {@code DELETE}) is handled as that method, since some clients can only send POST.
 * The field itself is left in the form, so the handler reports it under
 * {@code ignored_parameters_unsupported}, as Zulip does.
 *
 * <p>Only urlencoded forms with a declared length within the form limit are read here (the
 * Python bindings send those); a larger, chunked or multipart body goes on as a POST, and the
 * body checks refuse or parse it as before. Runs as a servlet filter because the route is chosen
 * from the method before any Javalin handler runs.
 */
public final class MethodOverride implements Filter {
    private static final Set<String> OVERRIDES = Set.of("PATCH", "PUT", "DELETE");
    private static final String FIELD = "method";

    private final int maxFormBytes;

    public MethodOverride(int maxFormBytes) {
        this.maxFormBytes = maxFormBytes;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !"POST".equals(http.getMethod()) || !isUrlEncoded(http)) {
            chain.doFilter(request, response);
            return;
        }
        long length = http.getContentLengthLong();
        if (length <= 0 || length > maxFormBytes) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = http.getInputStream().readNBytes((int) length);
        String override = overrideIn(body);
        chain.doFilter(new Replayed(http, body, override == null ? "POST" : override), response);
    }

    private static boolean isUrlEncoded(HttpServletRequest http) {
        String type = http.getHeader("Content-Type");
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    /** The method the form asks for, or null; like Django's {@code request.POST["method"]}, the last value counts. */
    static String overrideIn(byte[] body) {
        String found = null;
        for (String pair : new String(body, StandardCharsets.ISO_8859_1).split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (!FIELD.equals(decode(name))) continue;
            found = eq < 0 ? "" : decode(pair.substring(eq + 1));
        }
        return found != null && OVERRIDES.contains(found) ? found : null;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // a malformed escape is the body checks' business, not this one's
        }
    }

    /** The request with the body already read given back, and the method the form asked for. */
    private static final class Replayed extends HttpServletRequestWrapper {
        private final byte[] body;
        private final String method;

        Replayed(HttpServletRequest request, byte[] body, String method) {
            super(request);
            this.body = body;
            this.method = method;
        }

        @Override
        public String getMethod() {
            return method;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("The body was already read");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            java.nio.charset.Charset charset = StandardCharsets.UTF_8;
            try {
                if (getCharacterEncoding() != null) charset = java.nio.charset.Charset.forName(getCharacterEncoding());
            } catch (IllegalArgumentException e) {
                // an unknown charset is refused by the body checks, which read the header themselves
            }
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }
}
