package dev.keydesk.support;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.slf4j.simple.SimpleLogger;
import org.slf4j.spi.LocationAwareLogger;

/**
 * The request log as production writes it (logger {@code keydesk.requests}, one line per request
 * at INFO), switched on for as long as this is open, with a copy of everything logged meanwhile.
 * The tests' logging configuration keeps that logger at WARN, since every test would otherwise
 * print a line per request. slf4j-simple fixes a logger's level when the logger is made and offers
 * no way to change it, hence the field.
 */
public final class RequestLog implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final SimpleLogger logger;
    private final Field level;
    private final int previous;
    private final StderrCapture capture;

    private RequestLog() {
        if (!(LoggerFactory.getLogger("keydesk.requests") instanceof SimpleLogger simple)) {
            throw new AssertionError("The request log is not slf4j-simple's: " + LoggerFactory.getLogger("keydesk.requests"));
        }
        logger = simple;
        try {
            level = SimpleLogger.class.getDeclaredField("currentLogLevel");
            level.setAccessible(true);
            previous = level.getInt(logger);
            capture = new StderrCapture();
            level.setInt(logger, LocationAwareLogger.INFO_INT);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("slf4j-simple keeps its level elsewhere now", e);
        }
        if (!logger.isInfoEnabled()) throw new AssertionError("The request log could not be switched on");
    }

    /** Switches the request log on and starts copying standard error, where slf4j-simple writes. */
    public static RequestLog on() {
        return new RequestLog();
    }

    /** Everything written to standard error since this was opened: the request log and any other log. */
    public String text() {
        return capture.text();
    }

    /**
     * Waits until the request log has a line starting with each of these ("GET /login 200 ", or
     * "GET /setup/" for a path whatever follows): each line is written just after its answer is
     * sent, so the caller may have its answer first.
     */
    public void awaitLines(List<String> requests) {
        Wait.until(WAIT, () -> missing(requests) == null,
                () -> "The request log has no line for " + missing(requests) + ":\n" + text());
    }

    /** The first of {@code requests} the log has no line for yet, or null. */
    private String missing(List<String> requests) {
        List<String> lines = capture.lines();
        for (String request : requests) {
            if (lines.stream().noneMatch(l -> l.contains(" requests - " + request))) return request;
        }
        return null;
    }

    @Override
    public void close() {
        try {
            level.setInt(logger, previous);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        } finally {
            capture.close();
        }
    }
}
