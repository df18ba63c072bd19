package dev.keydesk.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.javalin.http.HttpResponseException;
import jakarta.servlet.ServletException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpException;
import org.junit.jupiter.api.Test;

/** The status for a body the container could not parse: read from exception types and codes, not from their wording. */
class RequestBodiesTest {
    @Test
    void aContainerStatusDecidesAndATooLargeOneWinsWhereverItIsInTheChain() {
        // Jetty wraps a failure while reading multipart parts into its own "400: bad multipart".
        assertEquals(413, RequestBodies.statusFor(new ServletException(new BadMessageException(400, "bad multipart",
                new CompletionException(new HttpException.RuntimeException(413))))));
        assertEquals(413, RequestBodies.statusFor(new UncheckedIOException(new java.io.IOException(
                new HttpResponseException(413, "", Map.of())))));
        assertEquals(431, RequestBodies.statusFor(new ServletException(new BadMessageException(431))));
        assertEquals(400, RequestBodies.statusFor(new ServletException(new BadMessageException(400, "bad multipart",
                new IllegalStateException("No multipart boundary parameter in Content-Type")))));
    }

    @Test
    void wordsInAMessageDoNotMakeABodyTooLarge() {
        assertEquals(400, RequestBodies.statusFor(new ServletException("Header value exceeds the allowed characters",
                new IllegalArgumentException("too many '=' in a key"))));
        assertEquals(400, RequestBodies.statusFor(new IllegalStateException("Part larger than its declared length")));
        assertEquals(400, RequestBodies.statusFor(new RuntimeException((String) null)));
    }
}
