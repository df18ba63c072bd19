package dev.keydesk.keyconsole;

import dev.keydesk.bot.BotType;
import dev.keydesk.web.Cursor;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the admin asked the Keys list for: the search, the sort and the filters. Unknown values
 * mean "no filter" and the default sort, so a hand-edited address never fails. Every link and
 * form of the page carries it along, and so does the way back after an action.
 */
public record KeyListQuery(String search, Sort sort, String state, BotType type, String owner, String use) {
    static final int MAX_TEXT = 100;
    /** The use filter's values: the current key neither used nor created for 30 or 90 days, or refused often lately. */
    static final List<String> USES = List.of("unused30", "unused90", "failing");

    public KeyListQuery(String search, Sort sort, String state, BotType type, String owner) {
        this(search, sort, state, type, owner, "");
    }

    /** The orders the list offers; each is keyset-paged on its own sort key and the bot's id. */
    public enum Sort {
        NAME("name", "Name", false),
        CREATED("created", "Created", true),
        LAST_USED("last_used", "Last used", true);

        private final String param;
        private final String label;
        private final boolean newestFirst;

        Sort(String param, String label, boolean newestFirst) {
            this.param = param;
            this.label = label;
            this.newestFirst = newestFirst;
        }

        public String param() {
            return param;
        }

        public String label() {
            return label;
        }

        /** Dates sort newest first, names from A. */
        public boolean newestFirst() {
            return newestFirst;
        }

        /** The order {@code param} names, or the list's default for the {@code use} filter. */
        static Sort of(String param, String use) {
            for (Sort s : values()) if (s.param.equals(param)) return s;
            return defaultFor(use);
        }

        /**
         * By name, except for the keys not used for 30 or 90 days, which list by last use: the keys
         * that just became idle first, and the walk starts among idle keys instead of passing every
         * busy one whose name comes first.
         */
        static Sort defaultFor(String use) {
            return use.startsWith("unused") ? LAST_USED : NAME;
        }
    }

    public static final KeyListQuery DEFAULT = new KeyListQuery("", Sort.NAME, "", null, "", "");

    static KeyListQuery from(Context ctx) {
        String state = ctx.queryParam("state");
        BotType type = null;
        String typeParam = ctx.queryParam("type");
        if (typeParam != null && typeParam.matches("[1-9]")) type = BotType.fromCode(Integer.parseInt(typeParam)).orElse(null);
        String use = use(ctx.queryParam("use"));
        return new KeyListQuery(text(ctx.queryParam("q")), Sort.of(ctx.queryParam("sort"), use),
                "active".equals(state) || "blocked".equals(state) || "unrestricted".equals(state) ? state : "", type,
                text(ctx.queryParam("owner")), use);
    }

    /** The use filter, "" for none (List.of refuses to look for null). */
    private static String use(String raw) {
        return raw != null && USES.contains(raw) ? raw : "";
    }

    private static String text(String raw) {
        if (raw == null) return "";
        String s = raw.strip();
        return s.length() > MAX_TEXT ? s.substring(0, MAX_TEXT) : s;
    }

    public boolean filtered() {
        return !search.isEmpty() || !state.isEmpty() || type != null || !owner.isEmpty() || !use.isEmpty();
    }

    /** Whether the list is in its default order for its filters: its links and form then leave the order out. */
    public boolean sortedByDefault() {
        return sort == Sort.defaultFor(use);
    }

    public String typeParam() {
        return type == null ? "" : Integer.toString(type.code());
    }

    /** The list's address for this query, continuing {@code direction} ("after" or "before") {@code cursor}. */
    public String href(String direction, Cursor cursor) {
        StringBuilder href = new StringBuilder("/keys");
        add(href, "q", search);
        if (!sortedByDefault()) add(href, "sort", sort.param());
        add(href, "state", state);
        add(href, "type", typeParam());
        add(href, "owner", owner);
        add(href, "use", use);
        if (cursor != null) href.append(href.indexOf("?") < 0 ? '?' : '&').append(direction).append('=').append(cursor.param());
        return href.toString();
    }

    /** The first page of this query in another order. */
    public String sortedBy(Sort other) {
        return new KeyListQuery(search, other, state, type, owner, use).href(null, null);
    }

    private static void add(StringBuilder href, String name, String value) {
        if (value.isEmpty()) return;
        href.append(href.indexOf("?") < 0 ? '?' : '&').append(name).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
}
