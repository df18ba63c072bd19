package dev.keydesk.keyscope;

import dev.keydesk.errors.InvalidInputException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A path pattern of a scope rule, matched on {@link RequestPath#normalize normalized} paths:
 * {@code /metrics} is that path alone, {@code *} in a segment stands for any characters within
 * it ({@code /v1/*}{@code /status}, {@code /files/*.csv}), and a segment {@code **} for any
 * number of segments, none included ({@code /api/**} is {@code /api} and everything below it).
 */
public final class PathPattern {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._~!$&'()*+,=:@-]+");

    private final String text;
    private final List<String> segments;

    private PathPattern(String text, List<String> segments) {
        this.text = text;
        this.segments = segments;
    }

    public static PathPattern parse(String raw) {
        String text = raw == null ? "" : raw.strip();
        if (!text.startsWith("/")) throw new InvalidInputException("A path pattern starts with / (for example /api/**).");
        if (text.length() > 500) throw new InvalidInputException("A path pattern is at most 500 characters long.");
        String body = text.substring(1);
        if (body.endsWith("/")) body = body.substring(0, body.length() - 1);
        if (body.isEmpty()) return new PathPattern("/", List.of());
        List<String> segments = List.of(body.split("/", -1));
        for (String segment : segments) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")
                    || (segment.contains("**") && !segment.equals("**"))) {
                throw new InvalidInputException("“" + text + "” is not a path pattern: write plain segments, * within a "
                        + "segment or ** as a whole segment (no empty, . or .. segments, no %, ; or ?).");
            }
        }
        return new PathPattern("/" + String.join("/", segments), segments);
    }

    /** {@code path} must be normalized. */
    public boolean matches(String path) {
        List<String> parts = path.equals("/") ? List.of() : List.of(path.substring(1).split("/", -1));
        return matches(0, parts, 0);
    }

    private boolean matches(int p, List<String> parts, int i) {
        if (p == segments.size()) return i == parts.size();
        String segment = segments.get(p);
        if (segment.equals("**")) {
            for (int next = i; next <= parts.size(); next++) {
                if (matches(p + 1, parts, next)) return true;
            }
            return false;
        }
        return i < parts.size() && glob(segment, parts.get(i)) && matches(p + 1, parts, i + 1);
    }

    /**
     * Whether every path {@code other} matches is matched by this pattern too. Decided on the
     * patterns alone and on the safe side: a wildcard within one of {@code other}'s segments is
     * covered only by {@code *} or by the same text, so a narrower pattern can be refused, never
     * a wider one accepted.
     */
    public boolean covers(PathPattern other) {
        return covers(0, other.segments, 0);
    }

    private boolean covers(int p, List<String> theirs, int i) {
        if (p == segments.size()) return i == theirs.size();
        String segment = segments.get(p);
        if (segment.equals("**")) {
            for (int next = i; next <= theirs.size(); next++) {
                if (covers(p + 1, theirs, next)) return true;
            }
            return false;
        }
        if (i == theirs.size()) return false;
        String their = theirs.get(i);
        if (their.equals("**")) return false;
        boolean segmentCovered = their.indexOf('*') < 0 ? glob(segment, their) : segment.equals("*") || segment.equals(their);
        return segmentCovered && covers(p + 1, theirs, i + 1);
    }

    /** {@code *} for any run of characters, everything else literal. */
    private static boolean glob(String pattern, String value) {
        if (pattern.indexOf('*') < 0) return pattern.equals(value);
        String[] pieces = pattern.split("\\*", -1);
        if (!value.startsWith(pieces[0])) return false;
        int at = pieces[0].length();
        for (int k = 1; k < pieces.length - 1; k++) {
            int found = value.indexOf(pieces[k], at);
            if (found < 0) return false;
            at = found + pieces[k].length();
        }
        String last = pieces[pieces.length - 1];
        return value.length() - at >= last.length() && value.endsWith(last);
    }

    @Override
    public String toString() {
        return text;
    }
}
