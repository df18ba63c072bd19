package dev.keydesk.keyscope;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one spelling of a request's path that path rules are matched on. Servers and frameworks
 * read a path in different ways ({@code ;} parameters, encoded slashes, {@code ..}), so a rule
 * is matched on the path as the most generous of them would read it, and anything that could be
 * read two ways is refused rather than guessed:
 *
 * <ol>
 *   <li>the query and fragment are dropped, and an absolute URI is cut to its path;</li>
 *   <li>percent-escapes are decoded once, {@code %2F} included, as UTF-8 (invalid UTF-8, control
 *       characters, or an escape still left after decoding, such as {@code %252e}, is refused);</li>
 *   <li>a backslash counts as a slash;</li>
 *   <li>each segment loses its {@code ;} parameters ({@code /admin;x=1} is {@code /admin},
 *       {@code /..;/} is {@code /../});</li>
 *   <li>empty and {@code .} segments go, {@code ..} removes the segment before it (above the root
 *       it is refused), and a trailing slash goes.</li>
 * </ol>
 *
 * Letters keep their case: since rules only ever allow, {@code /ADMIN} is simply not matched by
 * a rule written for {@code /admin}, and is refused unless a rule allows it.
 */
public final class RequestPath {
    private static final Pattern SCHEME_AND_AUTHORITY = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*");
    private static final Pattern LEFT_ESCAPE = Pattern.compile("%[0-9A-Fa-f]{2}");
    private static final int MAX_LENGTH = 8192;

    private RequestPath() {}

    /** The normalized path, or empty when the URI cannot be read one way only. */
    public static Optional<String> normalize(String uri) {
        if (uri == null || uri.isEmpty() || uri.length() > MAX_LENGTH) return Optional.empty();
        String raw = uri.strip();
        if (!raw.startsWith("/")) {
            var absolute = SCHEME_AND_AUTHORITY.matcher(raw);
            if (absolute.find()) raw = raw.substring(absolute.end());
        }
        if (raw.isEmpty()) raw = "/";
        int end = raw.length();
        int query = raw.indexOf('?');
        int fragment = raw.indexOf('#');
        if (query >= 0) end = Math.min(end, query);
        if (fragment >= 0) end = Math.min(end, fragment);
        raw = raw.substring(0, end);
        if (!raw.startsWith("/") && !raw.startsWith("\\")) return Optional.empty();
        // Most paths hold no escape: they skip the decoder, which only ever refuses or changes those that do.
        String decoded = raw.indexOf('%') < 0 ? plain(raw) : decode(raw);
        if (decoded == null || (decoded.indexOf('%') >= 0 && LEFT_ESCAPE.matcher(decoded).find())) return Optional.empty();
        Deque<String> segments = new ArrayDeque<>();
        for (String part : decoded.replace('\\', '/').split("/", -1)) {
            int semicolon = part.indexOf(';');
            String segment = semicolon < 0 ? part : part.substring(0, semicolon);
            if (segment.isEmpty() || segment.equals(".")) continue;
            if (segment.equals("..")) {
                if (segments.isEmpty()) return Optional.empty();
                segments.removeLast();
                continue;
            }
            segments.addLast(segment);
        }
        return Optional.of("/" + String.join("/", segments));
    }

    /** A path without escapes as it is; null if it holds a control character. */
    private static String plain(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f) return null;
        }
        return raw;
    }

    /** Percent-decoding as UTF-8; null for a broken escape, invalid UTF-8 or a control character. */
    private static String decode(String raw) {
        ByteBuffer bytes = ByteBuffer.allocate(raw.length() * 4);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) return null;
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) return null;
                bytes.put((byte) (hi * 16 + lo));
                i += 2;
            } else {
                bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        bytes.flip();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) return null;
        }
        return text;
    }
}
