package dev.keydesk.user;

/**
 * What a search for an account looks in: its name and e-mail address, lower-cased, on two lines.
 * Every list that searches accounts compares this text, written exactly as migration V51 indexes
 * it (a trigram index for bots, one for people) and keeps statistics on it, so that the planner
 * can both use the index and tell a rare search from a common one.
 */
public final class AccountSearch {
    /** The search text of the {@code users} row in scope, for statements without a table alias. */
    public static final String TEXT = "(lower(full_name) || chr(10) || lower(email))";

    private AccountSearch() {}

    /** The condition "the account {@code alias} matches the LIKE pattern bound as {@code parameter}". */
    public static String matches(String alias, String parameter) {
        return "(lower(" + alias + ".full_name) || chr(10) || lower(" + alias + ".email)) LIKE :" + parameter + " ESCAPE '!'";
    }
}
