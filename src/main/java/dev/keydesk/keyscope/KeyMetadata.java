package dev.keydesk.keyscope;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keydesk.errors.InvalidInputException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Name and value pairs a key carries to the services it opens ({@code team: payments}): up to
 * {@value #MAX_PAIRS}, names of letters, digits, {@code _ . -}, values of printable text. They
 * tell a service about the caller; they grant nothing.
 */
public final class KeyMetadata {
    public static final KeyMetadata NONE = new KeyMetadata(Map.of());
    public static final int MAX_PAIRS = 20;
    public static final int MAX_NAME = 64;
    public static final int MAX_VALUE = 256;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1," + MAX_NAME + "}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> pairs;
    /** The header value, built once when the key is loaded. */
    private final String header;

    private KeyMetadata(Map<String, String> pairs) {
        // In name order: the stored JSON keeps no order, and one key always sends one header value.
        this.pairs = Collections.unmodifiableMap(new TreeMap<>(pairs));
        StringBuilder out = new StringBuilder();
        this.pairs.forEach((name, value) -> {
            if (!out.isEmpty()) out.append('&');
            out.append(encode(name)).append('=').append(encode(value));
        });
        this.header = out.toString();
    }

    public static KeyMetadata of(Map<String, String> pairs) {
        if (pairs.size() > MAX_PAIRS) throw new InvalidInputException("A key carries at most " + MAX_PAIRS + " metadata pairs.");
        Map<String, String> checked = new LinkedHashMap<>();
        pairs.forEach((rawName, rawValue) -> {
            String name = rawName == null ? "" : rawName.strip();
            String value = rawValue == null ? "" : rawValue.strip();
            if (!NAME.matcher(name).matches()) {
                throw new InvalidInputException("“" + name + "” is not a metadata name: use up to " + MAX_NAME
                        + " letters, digits, _, . or -.");
            }
            if (value.length() > MAX_VALUE || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new InvalidInputException("The value of “" + name + "” must be at most " + MAX_VALUE
                        + " characters of text on one line.");
            }
            if (checked.putIfAbsent(name, value) != null) throw new InvalidInputException("“" + name + "” is named twice.");
        });
        return new KeyMetadata(checked);
    }

    /** Pairs as typed in a form: one {@code name: value} per line. */
    public static KeyMetadata parse(String text) {
        Map<String, String> pairs = new LinkedHashMap<>();
        if (text != null) {
            for (String line : text.split("[\\r\\n]+")) {
                if (line.isBlank()) continue;
                int colon = line.indexOf(':');
                if (colon < 0) throw new InvalidInputException("“" + line.strip() + "” is not a pair: write name: value.");
                String name = line.substring(0, colon).strip();
                if (pairs.containsKey(name)) throw new InvalidInputException("“" + name + "” is named twice.");
                pairs.put(name, line.substring(colon + 1));
                if (pairs.size() > MAX_PAIRS) {
                    throw new InvalidInputException("A key carries at most " + MAX_PAIRS + " metadata pairs.");
                }
            }
        }
        return of(pairs);
    }

    public static KeyMetadata fromJson(String json) {
        if (json == null || json.isBlank()) return NONE;
        try {
            return fromJson(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("The metadata is not valid JSON.");
        }
    }

    /** An object of string values, {@code {"team": "payments"}}; null for none. */
    public static KeyMetadata fromJson(JsonNode node) {
        if (node == null || node.isNull()) return NONE;
        if (!node.isObject()) throw new InvalidInputException("Metadata is an object of names and string values.");
        Map<String, String> pairs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getValue().isTextual()) throw new InvalidInputException("Each metadata value is a string.");
            pairs.put(field.getKey(), field.getValue().asText());
        }
        return of(pairs);
    }

    public Map<String, String> pairs() {
        return pairs;
    }

    public boolean isEmpty() {
        return pairs.isEmpty();
    }

    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        pairs.forEach(node::put);
        return node.toString();
    }

    /** {@code team=payments&tenant=42}, each name and value percent-encoded (UTF-8); empty for none. */
    public String header() {
        return header;
    }

    /** One per line, as a form shows them. */
    public String text() {
        StringBuilder out = new StringBuilder();
        pairs.forEach((n, v) -> out.append(out.isEmpty() ? "" : "\n").append(n).append(": ").append(v));
        return out.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyMetadata other && pairs.equals(other.pairs);
    }

    @Override
    public int hashCode() {
        return pairs.hashCode();
    }
}
