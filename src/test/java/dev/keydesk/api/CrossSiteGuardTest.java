package dev.keydesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API's guard against browsers replaying Basic credentials from other sites, checked through
 * a bare in-process server (no Keydesk, no database) on a free port.
 */
class CrossSiteGuardTest {
    private static final String OWN = "https://keys.example.com";
    private static final String REFUSED = "403 BAD_REQUEST Cross-site API requests are not accepted";
    private static final List<String> CHANGING_METHODS = List.of("POST", "PUT", "PATCH", "DELETE");

    private static Javalin server;
    private static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        CrossSiteGuard site = new CrossSiteGuard(URI.create("https://Keys.Example.com/"));
        CrossSiteGuard local = new CrossSiteGuard(URI.create("http://localhost:7070"));
        server = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.before("/api/site", site::check);
            config.routes.before("/api/local", local::check);
            config.routes.exception(ApiError.class, (e, ctx) ->
                    ctx.status(e.status()).result(e.status() + " " + e.body().get("code") + " " + e.getMessage()));
            for (HandlerType method : List.of(HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS, HandlerType.POST,
                    HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE)) {
                config.routes.addHttpHandler(method, "/api/site", ctx -> ctx.result("passed"));
                config.routes.addHttpHandler(method, "/api/local", ctx -> ctx.result("passed"));
            }
        }).start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    /** The status and, for a refusal, its code and message; headers come in name/value pairs. */
    private static String send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) request.header(headers[i], headers[i + 1]);
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 403 ? response.body() : Integer.toString(response.statusCode());
    }

    @Test
    void readingIsNeverRefused() throws Exception {
        for (String method : List.of("GET", "HEAD", "OPTIONS")) {
            assertEquals("200", send(method, "/api/site", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"),
                    method);
        }
    }

    @Test
    void programsThatSendNoBrowserHeadersMayChangeThings() throws Exception {
        for (String method : CHANGING_METHODS) {
            assertEquals("200", send(method, "/api/site"), method);
        }
    }

    @Test
    void browserRequestsFromAnotherSiteAreRefused() throws Exception {
        for (String method : CHANGING_METHODS) {
            assertEquals(REFUSED, send(method, "/api/site", "Sec-Fetch-Site", "cross-site"), method);
        }
        assertEquals(REFUSED, send("POST", "/api/site", "Sec-Fetch-Site", "same-site"), "a sibling subdomain");
        assertEquals(REFUSED, send("POST", "/api/site", "Sec-Fetch-Site", "Cross-Site"));
    }

    @Test
    void browserRequestsFromOurOwnPagesPass() throws Exception {
        assertEquals("200", send("POST", "/api/site", "Sec-Fetch-Site", "same-origin", "Origin", OWN));
        assertEquals("200", send("POST", "/api/site", "Sec-Fetch-Site", "none"), "typed by the user");
        assertEquals("200", send("DELETE", "/api/site", "Origin", "HTTPS://KEYS.EXAMPLE.COM"));
    }

    @Test
    void anOriginOtherThanOursIsRefused() throws Exception {
        for (String origin : List.of("https://evil.example", "http://keys.example.com", "https://keys.example.com:8443",
                "https://keys.example.com.evil.example", "null")) {
            assertEquals(REFUSED, send("POST", "/api/site", "Origin", origin), origin);
        }
        assertEquals(REFUSED, send("POST", "/api/site", "Sec-Fetch-Site", "same-origin", "Origin", "https://evil.example"),
                "either header is enough to refuse");
    }

    @Test
    void theOwnOriginIncludesAnExplicitPort() throws Exception {
        assertEquals("200", send("PATCH", "/api/local", "Origin", "http://localhost:7070"));
        assertEquals(REFUSED, send("PATCH", "/api/local", "Origin", "http://localhost"));
        assertEquals(REFUSED, send("PATCH", "/api/local", "Origin", "http://localhost:7071"));
    }
}
