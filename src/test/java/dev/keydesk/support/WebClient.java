package dev.keydesk.support;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * A browser without JavaScript: keeps cookies, follows redirects, parses pages with jsoup and
 * submits their forms the way a browser would (every named field, including hidden ones).
 */
public final class WebClient {
    private final String baseUrl;
    private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    private final HttpClient client;
    private final Map<String, String> headers;

    /** {@code uri} is where the page came from, after any redirects. */
    public record Page(int status, java.net.http.HttpHeaders headers, String body, Document doc, URI uri) {
        public Element form(String action) {
            Element form = doc.selectFirst("form[action=" + action + "]");
            if (form == null) throw new AssertionError("No form posting to " + action + " in:\n" + body);
            return form;
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public String text() {
            return doc.text();
        }
    }

    public WebClient(String baseUrl) {
        this(baseUrl, Map.of());
    }

    /** A browser whose every request carries {@code headers} (an X-Forwarded-For naming where it is, say). */
    public WebClient(String baseUrl, Map<String, String> headers) {
        this.baseUrl = baseUrl;
        this.headers = Map.copyOf(headers);
        this.client = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    public Page get(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build());
    }

    /** Fetches a page without parsing it, for timing the server rather than jsoup; returns the status. */
    public int fetchStatus(String path) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public Page post(String path, Map<String, String> fields) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(Http.urlencode(fields))).build());
    }

    /** A form post where a name may come more than once (ticked boxes of one list). */
    public Page post(String path, List<Map.Entry<String, String>> fields) {
        String body = fields.stream().map(e -> java.net.URLEncoder.encode(e.getKey(), java.nio.charset.StandardCharsets.UTF_8)
                + "=" + java.net.URLEncoder.encode(e.getValue(), java.nio.charset.StandardCharsets.UTF_8))
                .collect(java.util.stream.Collectors.joining("&"));
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Submits a form of the page with its current values, some of them replaced. */
    public Page submit(Page page, String action, Map<String, String> values) {
        Element form = page.form(action);
        Map<String, String> fields = new LinkedHashMap<>();
        for (Element input : form.select("input[name]")) {
            String type = input.attr("type");
            // Like a browser: unticked checkboxes and radio buttons are not sent.
            if ((type.equals("checkbox") || type.equals("radio")) && !input.hasAttr("checked")) continue;
            fields.put(input.attr("name"), input.attr("value"));
        }
        fields.putAll(values);
        if ("get".equalsIgnoreCase(form.attr("method"))) {
            return get(action + (fields.isEmpty() ? "" : "?" + Http.urlencode(fields)));
        }
        return post(action, fields);
    }

    public Page login(String email, String password) {
        Page login = get("/login");
        return submit(login, "/login", Map.of("email", email, "password", password));
    }

    /** The form token on a page (every page with a form carries one). */
    public static String csrf(Page page) {
        Element input = page.doc().selectFirst("input[name=csrf_token]");
        if (input == null) throw new AssertionError("No CSRF token on the page:\n" + page.body());
        return input.attr("value");
    }

    public String cookie(String name) {
        return cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals(name))
                .map(HttpCookie::getValue).findFirst().orElse(null);
    }

    /** Stores a cookie for the server as though it had set it: to send what a client could forge. */
    public void setCookie(String name, String value) {
        HttpCookie cookie = new HttpCookie(name, value);
        cookie.setPath("/");
        cookie.setVersion(0);
        cookies.getCookieStore().add(URI.create(baseUrl), cookie);
    }

    private Page send(HttpRequest request) {
        if (!headers.isEmpty()) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(request, (name, value) -> true);
            headers.forEach(builder::header);
            request = builder.build();
        }
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Page(r.statusCode(), r.headers(), r.body(), Jsoup.parse(r.body(), baseUrl), r.uri());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
