package dev.keydesk.keyconsole;

import dev.keydesk.bot.BotActions.Changed;
import dev.keydesk.security.Tokens;
import dev.keydesk.web.Csrf;
import dev.keydesk.web.Flash;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the last action on the Keys page did, for the page the browser is sent back to: the
 * message names the keys and their rows are highlighted. It travels in a one-shot cookie that
 * carries the keys' names (a deleted key's name is nowhere else), so the cookie is signed with
 * the session's form token: nobody else can make Keydesk show words of their choosing.
 */
record KeyResult(Outcome outcome, List<Changed> keys) {
    private static final String COOKIE = "keydesk_keys_result";
    /** Names in the message; the rest are counted. Keeps the cookie far below browsers' limits. */
    private static final int NAMED = 5;
    private static final int REMEMBERED = 100;

    enum Outcome {
        CREATED("was created.", "were created."),
        MODIFIED("was modified.", "were modified."),
        BLOCKED("was blocked. Its key authenticates nothing until it is unblocked.", "were blocked."),
        UNBLOCKED("was unblocked and its key works again.", "were unblocked."),
        DELETED("was deleted.", "were deleted.");

        private final String one;
        private final String many;

        Outcome(String one, String many) {
            this.one = one;
            this.many = many;
        }
    }

    /** "Deploy Bot was blocked. …", "3 keys were blocked: A, B and C.", or what happened when nothing did. */
    String message() {
        String verb = outcome.name().toLowerCase(Locale.ROOT);
        if (keys.isEmpty()) return "No key was " + verb + ": the chosen keys were already " + verb + " or are gone.";
        if (keys.size() == 1) return keys.get(0).fullName() + " " + outcome.one;
        List<String> names = keys.stream().limit(NAMED).map(Changed::fullName).collect(Collectors.toCollection(ArrayList::new));
        String list = keys.size() > NAMED
                ? String.join(", ", names) + " and " + (keys.size() - NAMED) + " more"
                : String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
        String many = outcome.many.substring(0, outcome.many.length() - 1);
        return keys.size() + " keys " + many + ": " + list + ".";
    }

    Set<Long> ids() {
        return keys.stream().map(Changed::id).collect(Collectors.toSet());
    }

    /** The single key this result is about, when it is about one. */
    Optional<Changed> single() {
        return keys.size() == 1 ? Optional.of(keys.get(0)) : Optional.empty();
    }

    void set(Context ctx) {
        StringBuilder payload = new StringBuilder(outcome.name());
        int i = 0;
        for (Changed key : keys) {
            if (i++ == REMEMBERED) break;
            String name = i <= NAMED ? key.fullName() : "";
            payload.append('\n').append(key.id()).append('\t').append(name);
        }
        if (Csrf.token(ctx) == null) return;
        String body = Base64.getUrlEncoder().withoutPadding().encodeToString(payload.toString().getBytes(StandardCharsets.UTF_8));
        ctx.cookie(new Cookie(COOKIE, body + "." + signature(ctx, body), "/keys", -1, Flash.secureCookies(ctx), true,
                null, SameSite.LAX));
    }

    /** The pending result, if any and if it was signed for this session; reading it clears it. */
    static Optional<KeyResult> take(Context ctx) {
        String value = ctx.cookie(COOKIE);
        if (value == null) return Optional.empty();
        ctx.removeCookie(COOKIE, "/keys");
        int dot = value.indexOf('.');
        if (dot < 0 || !Tokens.constantTimeEquals(signature(ctx, value.substring(0, dot)), value.substring(dot + 1))) {
            return Optional.empty();
        }
        try {
            String[] lines = new String(Base64.getUrlDecoder().decode(value.substring(0, dot)), StandardCharsets.UTF_8)
                    .split("\n", -1);
            Outcome outcome = Outcome.valueOf(lines[0]);
            List<Changed> keys = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int tab = lines[i].indexOf('\t');
                keys.add(new Changed(Long.parseLong(lines[i].substring(0, tab)), lines[i].substring(tab + 1)));
            }
            return Optional.of(new KeyResult(outcome, keys));
        } catch (RuntimeException e) {
            return Optional.empty(); // signed by this server, so only a change of format gets here
        }
    }

    private static String signature(Context ctx, String body) {
        String token = Csrf.token(ctx);
        return token == null ? null : Tokens.derive(token, "keys-result\n" + body);
    }
}
