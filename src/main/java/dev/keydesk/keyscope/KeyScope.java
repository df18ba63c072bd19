package dev.keydesk.keyscope;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keydesk.errors.InvalidInputException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which guarded services a key may open and, per service, which requests: unrestricted (every
 * service that admits the key's account, any request), or a list of services, each with rules
 * ({@link ScopeRule}) or none (any request to it). Scopes only narrow: a service must still admit
 * the account, and Zulip's own API is never governed by a scope.
 *
 * <p>Stored as JSON, {@code {"<service id>": ["GET /api/**", …], …}}, and parsed once when a key
 * is loaded into the cache, so a request only runs the matchers.
 */
public final class KeyScope {
    public static final KeyScope UNRESTRICTED = new KeyScope(null);
    /** What a stored scope that cannot be read stands for: nothing, rather than everything. */
    public static final KeyScope NOTHING = new KeyScope(Map.of());
    public static final int MAX_RULES_PER_SERVICE = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Null for unrestricted; otherwise the services, in the order chosen. */
    private final Map<Long, List<ScopeRule>> services;

    private KeyScope(Map<Long, List<ScopeRule>> services) {
        this.services = services;
    }

    public static KeyScope of(Map<Long, List<ScopeRule>> services) {
        Map<Long, List<ScopeRule>> copy = new LinkedHashMap<>();
        services.forEach((id, rules) -> copy.put(id, List.copyOf(rules)));
        return new KeyScope(java.util.Collections.unmodifiableMap(copy));
    }

    public boolean isUnrestricted() {
        return services == null;
    }

    /** The services chosen and their rules; empty for an unrestricted scope (see {@link #isUnrestricted}). */
    public Map<Long, List<ScopeRule>> services() {
        return services == null ? Map.of() : services;
    }

    /** Whether some request to the service may be allowed; the answer for a question without method and path. */
    public boolean mayOpen(long serviceId) {
        return services == null || services.containsKey(serviceId);
    }

    /** Whether the service's rules depend on the method and path at all. */
    public boolean hasRulesFor(long serviceId) {
        return services != null && !services.getOrDefault(serviceId, List.of()).isEmpty();
    }

    /**
     * Whether the scope allows a request to the service that every one of {@code methods} and
     * {@code uris} may describe: the signals a proxy passes can disagree (a client can add
     * headers of its own), so each combination must be allowed. A URI that cannot be normalized,
     * or none at all where rules apply, is refused.
     */
    public boolean covers(long serviceId, Collection<String> methods, Collection<String> uris) {
        if (services == null) return true;
        List<ScopeRule> rules = services.get(serviceId);
        if (rules == null) return false;
        if (rules.isEmpty()) return true;
        if (methods.isEmpty() || uris.isEmpty()) return false;
        for (String uri : uris) {
            Optional<String> path = RequestPath.normalize(uri);
            if (path.isEmpty()) return false;
            for (String method : methods) {
                if (rules.stream().noneMatch(r -> r.allows(method, path.get()))) return false;
            }
        }
        return true;
    }

    /** The stored form; null for unrestricted. */
    public String toJson() {
        if (services == null) return null;
        ObjectNode root = JSON.createObjectNode();
        services.forEach((id, rules) -> {
            ArrayNode list = root.putArray(Long.toString(id));
            rules.forEach(r -> list.add(r.toString()));
        });
        return root.toString();
    }

    /** Reads the stored form (null or blank for unrestricted); throws {@link InvalidInputException} on anything else. */
    public static KeyScope fromJson(String json) {
        if (json == null || json.isBlank()) return UNRESTRICTED;
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("The scope is not valid JSON.");
        }
        if (root == null || root.isNull()) return UNRESTRICTED;
        if (!root.isObject()) throw new InvalidInputException("A scope is an object of service ids and their rules.");
        Map<Long, List<ScopeRule>> services = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            long id;
            try {
                id = Long.parseLong(field.getKey());
            } catch (NumberFormatException e) {
                throw new InvalidInputException("“" + field.getKey() + "” is not a service id.");
            }
            services.put(id, rulesOf(field.getValue()));
        }
        return of(services);
    }

    /** A list of rule strings. */
    public static List<ScopeRule> rulesOf(JsonNode node) {
        if (node == null || node.isNull()) return List.of();
        if (!node.isArray()) throw new InvalidInputException("A service's rules are a list of strings such as \"GET /api/**\".");
        if (node.size() > MAX_RULES_PER_SERVICE) {
            throw new InvalidInputException("A service takes at most " + MAX_RULES_PER_SERVICE + " rules.");
        }
        List<ScopeRule> rules = new ArrayList<>();
        for (JsonNode rule : node) {
            if (!rule.isTextual()) throw new InvalidInputException("Each rule is a string such as \"GET /api/**\".");
            rules.add(ScopeRule.parse(rule.asText()));
        }
        return rules;
    }

    /** Rules as typed in a form: one per line or separated by commas between rules. */
    public static List<ScopeRule> rulesOf(String text) {
        List<ScopeRule> rules = new ArrayList<>();
        if (text == null) return rules;
        for (String line : text.split("[\\r\\n]+")) {
            if (line.isBlank()) continue;
            rules.add(ScopeRule.parse(line));
        }
        if (rules.size() > MAX_RULES_PER_SERVICE) {
            throw new InvalidInputException("A service takes at most " + MAX_RULES_PER_SERVICE + " rules.");
        }
        return rules;
    }

    /** Rules as a form shows them, one per line. */
    public static String rulesText(List<ScopeRule> rules) {
        StringBuilder out = new StringBuilder();
        for (ScopeRule r : rules) {
            if (!out.isEmpty()) out.append('\n');
            out.append(r);
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyScope other && String.valueOf(toJson()).equals(String.valueOf(other.toJson()));
    }

    @Override
    public int hashCode() {
        return String.valueOf(toJson()).hashCode();
    }

    @Override
    public String toString() {
        return services == null ? "unrestricted" : toJson();
    }
}
