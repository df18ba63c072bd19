package dev.keydesk.keyscope;

import dev.keydesk.errors.InvalidInputException;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One rule of a key's scope on a service: methods and a path pattern, written
 * {@code GET /api/**}, {@code GET,HEAD /status}, {@code * /metrics}, or {@code read-only} (GET,
 * HEAD and OPTIONS on every path). {@code methods} is empty for any method.
 */
public record ScopeRule(Set<String> methods, PathPattern path) {
    public static final String READ_ONLY = "read-only";
    private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,20}");

    public ScopeRule {
        methods = Set.copyOf(methods);
    }

    public static ScopeRule parse(String raw) {
        String text = raw == null ? "" : raw.strip();
        if (text.equalsIgnoreCase(READ_ONLY)) return new ScopeRule(READ_METHODS, PathPattern.parse("/**"));
        String[] parts = text.split("\\s+");
        if (parts.length != 2) {
            throw new InvalidInputException("“" + text + "” is not a rule: write a method and a path pattern (GET /api/**, "
                    + "* /metrics) or read-only.");
        }
        Set<String> methods = new TreeSet<>();
        if (!parts[0].equals("*")) {
            for (String m : parts[0].split(",", -1)) {
                String method = m.strip().toUpperCase(Locale.ROOT);
                if (!METHOD.matcher(method).matches()) {
                    throw new InvalidInputException("“" + parts[0] + "” is not a method list: write GET, GET,POST or *.");
                }
                methods.add(method);
            }
        }
        return new ScopeRule(methods, PathPattern.parse(parts[1]));
    }

    /** {@code path} must be normalized; {@code method} is compared in upper case. */
    public boolean allows(String method, String normalizedPath) {
        return (methods.isEmpty() || methods.contains(method.strip().toUpperCase(Locale.ROOT))) && path.matches(normalizedPath);
    }

    /** Whether every request {@code other} allows is allowed by this rule too (see {@link PathPattern#covers}). */
    public boolean covers(ScopeRule other) {
        boolean methodsCovered = methods.isEmpty() || (!other.methods.isEmpty() && methods.containsAll(other.methods));
        return methodsCovered && path.covers(other.path);
    }

    public boolean isReadOnly() {
        return methods.equals(READ_METHODS) && path.toString().equals("/**");
    }

    /** The rule as it is written and stored. */
    @Override
    public String toString() {
        if (isReadOnly()) return READ_ONLY;
        return (methods.isEmpty() ? "*" : String.join(",", new TreeSet<>(methods))) + " " + path;
    }
}
