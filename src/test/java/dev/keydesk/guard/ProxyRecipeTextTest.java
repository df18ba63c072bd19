package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Traefik and Envoy recipes of docs/running.md, which no test can run here (neither proxy is packaged
 * by Debian, nor can either be installed on the machines the tests run on), read as the configuration they are: each must hand Keydesk what its cross-site
 * check reads (Sec-Fetch-Site, Origin) with the key and the service token, and keep the token
 * and the key from the service. The nginx, Caddy and HAProxy recipes are run by real proxies instead
 * ({@link NginxForwardAuthTest}, {@link CaddyForwardAuthTest}, {@link HaproxyForwardAuthTest}).
 */
class ProxyRecipeTextTest {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String TOKEN = "kdsvc_your_service_token";
    /** What Keydesk needs of the client's request, beside what every proxy sends anyway. */
    private static final List<String> FOR_KEYDESK = List.of("Authorization", "X-Api-Key", "Sec-Fetch-Site", "Origin");

    private static JsonNode recipe(String heading) throws IOException {
        String docs = Files.readString(Path.of("docs/running.md"));
        Matcher m = Pattern.compile("### " + heading + "\\n.*?```yaml\\n(.*?)```", Pattern.DOTALL).matcher(docs);
        assertTrue(m.find(), "docs/running.md has a YAML block under ### " + heading);
        return YAML.readTree(m.group(1));
    }

    private static Set<String> lowerCase(JsonNode list) {
        Set<String> names = new TreeSet<>();
        list.forEach(n -> names.add(n.asText().toLowerCase(Locale.ROOT)));
        return names;
    }

    private static Set<String> lowerCase(List<String> names) {
        return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every path (a/b/0/c) in the tree whose value is {@code text}. */
    private static List<String> pathsOf(JsonNode node, String text, String path, List<String> found) {
        if (node.isTextual() && node.asText().equals(text)) found.add(path);
        node.fields().forEachRemaining(e -> pathsOf(e.getValue(), text, path + "/" + e.getKey(), found));
        if (node.isArray()) for (int i = 0; i < node.size(); i++) pathsOf(node.get(i), text, path + "/" + i, found);
        return found;
    }

    @Test
    void traefikAsksKeydeskWithWhatItNeedsAndTheServiceGetsOnlyTheIdentity() throws IOException {
        JsonNode http = recipe("Traefik").get("http");
        JsonNode middlewares = http.get("middlewares");
        JsonNode routers = http.get("routers");
        assertNotNull(routers, "the recipe shows the router, so the middlewares' order is written down");
        assertEquals(1, routers.size());
        List<String> chain = new ArrayList<>();
        routers.elements().next().get("middlewares").forEach(n -> chain.add(n.asText()));

        List<String> forwardAuths = chain.stream().filter(name -> middlewares.path(name).has("forwardAuth")).toList();
        assertEquals(1, forwardAuths.size(), "one forwardAuth in " + chain);
        int ask = chain.indexOf(forwardAuths.get(0));
        JsonNode forwardAuth = middlewares.get(forwardAuths.get(0)).get("forwardAuth");
        Set<String> sent = lowerCase(forwardAuth.get("authRequestHeaders"));
        for (String name : FOR_KEYDESK) assertTrue(sent.contains(name.toLowerCase(Locale.ROOT)), name + " reaches Keydesk: " + sent);
        assertTrue(sent.contains(ForwardAuthRoutes.SERVICE_TOKEN_HEADER.toLowerCase(Locale.ROOT)),
                "authRequestHeaders passes only what it lists: without the token every answer is 401");
        assertFalse(forwardAuth.path("trustForwardHeader").asBoolean(false),
                "Traefik then sets X-Forwarded-Method, -Host and -For itself, whatever the client sent");
        assertEquals(lowerCase(ForwardAuthRoutes.IDENTITY_HEADERS), lowerCase(forwardAuth.get("authResponseHeaders")),
                "Traefik replaces exactly the identity headers");

        // The token is set by a headers middleware before the question and removed by one after it.
        List<String> tokenPaths = pathsOf(middlewares, TOKEN, "", new ArrayList<>());
        assertEquals(1, tokenPaths.size(), "the token is written once: " + tokenPaths);
        String setter = tokenPaths.get(0).split("/")[1];
        assertEquals("/" + setter + "/headers/customRequestHeaders/" + ForwardAuthRoutes.SERVICE_TOKEN_HEADER, tokenPaths.get(0));
        assertTrue(chain.indexOf(setter) >= 0 && chain.indexOf(setter) < ask, "the token is set before Keydesk is asked: " + chain);
        List<String> after = chain.subList(ask + 1, chain.size());
        for (String header : List.of(ForwardAuthRoutes.SERVICE_TOKEN_HEADER, "Authorization", "X-Api-Key")) {
            boolean removed = after.stream().anyMatch(name ->
                    "".equals(middlewares.path(name).path("headers").path("customRequestHeaders").path(header).asText(null)));
            assertTrue(removed, header + " is removed (an empty value) after Keydesk answered, before the service: " + chain);
        }
    }

    @Test
    void envoyAsksKeydeskWithWhatItNeedsAndTheServiceGetsOnlyTheIdentity() throws IOException {
        JsonNode envoy = recipe("Envoy");
        JsonNode extAuthz = null;
        for (JsonNode filter : envoy.get("http_filters")) {
            if (filter.get("name").asText().equals("envoy.filters.http.ext_authz")) extAuthz = filter.get("typed_config");
        }
        assertNotNull(extAuthz, "an ext_authz filter");
        // Envoy always sends Host, the method, the path and Authorization; every other header only if listed.
        Set<String> sent = new TreeSet<>(List.of("authorization"));
        JsonNode allowed = extAuthz.path("allowed_headers").path("patterns");
        assertTrue(allowed.isArray(), "allowed_headers, in the filter's configuration itself (its place since it moved "
                + "out of authorization_request), lists what Envoy sends beside its own");
        allowed.forEach(p -> {
            assertTrue(p.has("exact"), "exact names only, so nothing else slips through: " + p);
            sent.add(p.get("exact").asText().toLowerCase(Locale.ROOT));
        });
        for (String name : FOR_KEYDESK) assertTrue(sent.contains(name.toLowerCase(Locale.ROOT)), name + " reaches Keydesk: " + sent);

        JsonNode httpService = extAuthz.get("http_service");
        assertEquals(List.of("/typed_config/http_service/authorization_request/headers_to_add/0/value"),
                pathsOf(extAuthz, TOKEN, "/typed_config", new ArrayList<>()), "the token is added to Keydesk's question only");
        assertEquals(ForwardAuthRoutes.SERVICE_TOKEN_HEADER,
                httpService.get("authorization_request").get("headers_to_add").get(0).get("key").asText());
        assertEquals(List.of(), pathsOf(envoy.get("route_config"), TOKEN, "", new ArrayList<>()), "no token toward the service");

        JsonNode upstreamPatterns = httpService.get("authorization_response").get("allowed_upstream_headers").get("patterns");
        for (String name : ForwardAuthRoutes.IDENTITY_HEADERS) {
            String lower = name.toLowerCase(Locale.ROOT);
            boolean copied = false;
            for (JsonNode p : upstreamPatterns) {
                copied |= lower.equals(p.path("exact").asText(null)) || lower.startsWith(p.path("prefix").asText("\u0000"));
            }
            assertTrue(copied, name + " is copied from Keydesk's answer over the client's");
        }
        Set<String> removed = new TreeSet<>();
        for (JsonNode host : envoy.get("route_config").get("virtual_hosts")) removed.addAll(lowerCase(host.get("request_headers_to_remove")));
        assertTrue(removed.containsAll(Set.of("authorization", "x-api-key")), "the key stays away from the service: " + removed);
    }
}
