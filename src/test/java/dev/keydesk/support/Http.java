package dev.keydesk.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Plain HTTP calls for the API tests: form, multipart and raw bodies, with or without Basic auth.
 * Every answer to a request under /api/v1 is checked against the API description
 * ({@link ApiContract}): an answer the description does not allow fails the test.
 */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Response(int status, java.net.http.HttpHeaders headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("Not JSON: " + body, e);
            }
        }

        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }
    }

    private Http() {}

    /** Zulip's answer to a request it refuses as malformed: 400, {@code BAD_REQUEST}, and exactly {@code msg}. */
    public static void assertBadRequest(Response r, String msg) {
        assertEquals(400, r.status(), r.body());
        assertEquals("error", r.json().get("result").asText());
        assertEquals("BAD_REQUEST", r.json().get("code").asText());
        assertEquals(msg, r.json().get("msg").asText());
    }

    public static String basic(String email, String key) {
        return "Basic " + Base64.getEncoder().encodeToString((email + ":" + key).getBytes(StandardCharsets.UTF_8));
    }

    public static Response get(String url, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) b.header("Authorization", authorization);
        return send(b.build());
    }

    public static Response postForm(String url, Map<String, String> form, String authorization) {
        return postForm(url, form, authorization, Map.of());
    }

    public static Response postForm(String url, Map<String, String> form, String authorization, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(urlencode(form)));
        if (authorization != null) b.header("Authorization", authorization);
        headers.forEach(b::header);
        return send(b.build());
    }

    public static Response postMultipart(String url, Map<String, String> fields, String authorization) {
        String boundary = "keydesk-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        fields.forEach((name, value) -> body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                + name + "\"\r\n\r\n" + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (authorization != null) b.header("Authorization", authorization);
        return send(b.build());
    }

    /** Multipart with text fields and one file part, as zulip-js sends an avatar. */
    public static Response postMultipartWithFile(String url, Map<String, String> fields, String fileField, String fileName,
                                                 String fileType, byte[] file, String authorization) {
        return postMultipartWithFile(url, fields, fileField, fileName, fileType, file, authorization, Map.of());
    }

    public static Response postMultipartWithFile(String url, Map<String, String> fields, String fileField, String fileName,
                                                 String fileType, byte[] file, String authorization,
                                                 Map<String, String> headers) {
        String boundary = "keydesk-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        fields.forEach((name, value) -> body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                + name + "\"\r\n\r\n" + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\""
                + fileName + "\"\r\nContent-Type: " + fileType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(file);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (authorization != null) b.header("Authorization", authorization);
        headers.forEach(b::header);
        return send(b.build());
    }

    public static Response raw(String method, String url, String contentType, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) b.header("Content-Type", contentType);
        headers.forEach(b::header);
        return send(b.build());
    }

    public static Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            Response response = new Response(r.statusCode(), r.headers(), r.body());
            String path = request.uri().getPath();
            if (path.startsWith(ApiContract.PREFIX + "/")) ApiContract.check(request.method(), path, response);
            return response;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("Request to " + request.uri() + " failed", e);
        }
    }

    public static String urlencode(Map<String, String> form) {
        StringBuilder out = new StringBuilder();
        for (var e : form.entrySet()) {
            if (out.length() > 0) out.append('&');
            out.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    public static Map<String, String> form(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) map.put(pairs[i], pairs[i + 1]);
        return map;
    }
}
