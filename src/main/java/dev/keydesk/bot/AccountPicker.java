package dev.keydesk.bot;

import dev.keydesk.bot.BotPages.OwnerChoice;
import dev.keydesk.user.User;
import dev.keydesk.user.UserQueries;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A searchable picker of accounts (a key's or a bot's owners) that works without JavaScript: the
 * chosen accounts are ticked boxes, and a search field with a Find button submits the whole
 * form, which comes back with up to {@link #SHOWN} matching accounts to tick. The page never
 * holds one box per member. With JavaScript the same field searches as you type, through
 * {@code GET /account-choices}.
 *
 * @param field the form field the chosen ids are posted in
 * @param search what was searched for ("" before any search: the first accounts by name)
 * @param more whether more accounts match than are shown
 * @param findsEveryone whether the search finds anyone (administrators), rather than the people
 *                      of the viewer's own bots and others by their whole e-mail address
 */
public record AccountPicker(String field, String idPrefix, String legend, String search, List<OwnerChoice> chosen,
                            List<OwnerChoice> matches, boolean more, boolean findsEveryone) {
    /** How many matching accounts a picker shows at once. */
    public static final int SHOWN = 20;
    /** The search field, and the button that submits the form only to search. */
    public static final String SEARCH = "picker_q";
    public static final String FIND = "picker_find";

    /** Whether the form was submitted by the picker's Find button, to search rather than to save. */
    public static boolean isSearch(Context ctx) {
        return ctx.formParam(FIND) != null;
    }

    /** What was typed in the picker's search field of the submitted form. */
    public static String searchOf(Context ctx) {
        String s = ctx.formParam(SEARCH);
        if (s == null) return "";
        s = s.strip();
        return s.length() > 100 ? s.substring(0, 100) : s;
    }

    /**
     * Whom the viewing account may pick: {@code finder} finds up to a number of active people for a
     * search text; {@code findsEveryone} says whether anyone may be found by part of a name or
     * address (administrators), rather than only the people of the viewer's own bots.
     */
    public record PeopleSearch(Finder finder, boolean findsEveryone) {
        @FunctionalInterface
        public interface Finder {
            List<User> find(String text, int limit);
        }

        List<User> find(String text, int limit) {
            return finder.find(text, limit);
        }
    }

    /** The administrators' search: every active person by part of a name or e-mail address. */
    public static PeopleSearch everyone(UserQueries users) {
        return new PeopleSearch(users::searchActiveHumans, true);
    }

    /** A picker with {@code chosenIds} ticked (those of active people) and the accounts {@code people} finds for {@code search}. */
    public static AccountPicker of(UserQueries users, PeopleSearch people, String field, String idPrefix, String legend,
                                   Set<Long> chosenIds, String search) {
        return of(users.activeHumansAmong(chosenIds), people, field, idPrefix, legend, search);
    }

    /** A picker with {@code chosenPeople} ticked, already loaded (the viewer, say), and the accounts found for {@code search}. */
    public static AccountPicker of(List<User> chosenPeople, PeopleSearch people, String field, String idPrefix, String legend,
                                   String search) {
        Set<Long> chosenIds = chosenPeople.stream().map(User::id).collect(java.util.stream.Collectors.toSet());
        List<OwnerChoice> chosen = chosenPeople.stream().map(u -> choice(u, true)).toList();
        List<OwnerChoice> found = people.find(search, SHOWN + chosen.size() + 1).stream()
                .filter(u -> !chosenIds.contains(u.id())).map(u -> choice(u, false)).toList();
        boolean more = found.size() > SHOWN;
        return new AccountPicker(field, idPrefix, legend, search, chosen, more ? found.subList(0, SHOWN) : found, more,
                people.findsEveryone());
    }

    /** The same picker under other element ids, for a second picker on one page. */
    public AccountPicker withPrefix(String prefix) {
        return new AccountPicker(field, prefix, legend, search, chosen, matches, more, findsEveryone);
    }

    /** The same picker with nothing chosen or found yet, for a dialog that the script fills. */
    public AccountPicker empty() {
        return new AccountPicker(field, idPrefix, legend, "", List.of(), List.of(), false, findsEveryone);
    }

    /** The JSON answer of {@code GET /account-choices}: up to {@link #SHOWN} people found for {@code search}. */
    public static List<Map<String, Object>> choices(PeopleSearch people, String search) {
        return people.find(search, SHOWN).stream()
                .<Map<String, Object>>map(u -> Map.of("id", u.id(), "full_name", u.fullName(), "email", u.email()))
                .toList();
    }

    private static OwnerChoice choice(User u, boolean checked) {
        return new OwnerChoice(u.id(), u.fullName(), u.email(), checked);
    }
}
