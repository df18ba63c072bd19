package dev.keydesk.sso;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * A browser without JavaScript that stops at every redirect, so a test can read or change what
 * passes between Keydesk and the provider: the authorization request, the provider's answer.
 * Keeps its cookies, Keydesk's and the provider's, like a browser.
 */
final class ProviderBrowser {
    private final CookieManager cookies = new LocalhostCookies();

    /**
     * Keycloak marks its cookies Secure even on http://127.0.0.1, which browsers count as a secure
     * origin and Java's cookie store does not: the store keeps them here as a browser would.
     */
    private static final class LocalhostCookies extends CookieManager {
        LocalhostCookies() {
            super(null, CookiePolicy.ACCEPT_ALL);
        }

        @Override
        public void put(URI uri, Map<String, List<String>> headers) throws IOException {
            Map<String, List<String>> kept = new LinkedHashMap<>();
            headers.forEach((name, values) -> kept.put(name, name != null && name.equalsIgnoreCase("Set-Cookie")
                    ? values.stream().map(v -> v.replaceAll("(?i);\\s*Secure(?=;|$)", "")).toList() : values));
            super.put(uri, kept);
        }
    }
    private final HttpClient client = HttpClient.newBuilder().cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    record Answer(int status, String location, String body) {
        Document doc() {
            return Jsoup.parse(body);
        }
    }

    Answer get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET().build());
    }

    Answer post(String url, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Keydesk's sign-in start: where it sends the browser (the provider's authorization request). */
    String start(String keydeskUrl) {
        Answer a = get(keydeskUrl + "/login/oidc");
        if (a.status() != 303 || a.location() == null) throw new AssertionError("No redirect to the provider: " + a);
        return a.location();
    }

    /**
     * Opens the authorization request and signs in on the provider's own login page; returns the
     * address the provider sends the browser back to (Keydesk's callback with the code).
     */
    String signInAtProvider(String authorizationUrl, String username, String password) {
        Answer page = get(authorizationUrl);
        if (page.status() != 200) throw new AssertionError("The provider's login page did not open: " + page);
        Element form = page.doc().selectFirst("form#kc-form-login");
        if (form == null) throw new AssertionError("No login form on the provider's page:\n" + page.body());
        Map<String, String> fields = new LinkedHashMap<>();
        for (Element input : form.select("input[name]")) fields.put(input.attr("name"), input.attr("value"));
        fields.put("username", username);
        fields.put("password", password);
        Answer back = post(form.attr("action"), fields); // Keycloak writes it absolute
        if (back.status() != 302 && back.status() != 303 || back.location() == null) {
            throw new AssertionError("The provider did not send the browser back: " + back.status() + "\n" + back.body());
        }
        return back.location();
    }

    private Answer send(HttpRequest request) {
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            String location = r.headers().firstValue("Location").orElse(null);
            if (location != null && location.startsWith("/")) location = request.uri().resolve(location).toString();
            return new Answer(r.statusCode(), location, r.body());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(request.uri() + ": " + e.getMessage(), e);
        }
    }
}
