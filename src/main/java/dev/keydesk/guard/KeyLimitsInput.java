package dev.keydesk.guard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.keyscope.AddressRanges;
import dev.keydesk.keyscope.KeyMetadata;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.keyscope.KeyScope;
import dev.keydesk.keyscope.ScopeRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A key's limits as the API and the forms send them, and as the API answers with them. The API
 * takes three JSON-encoded fields, each replacing its part when present: {@code scope} (null for
 * every service, or {@code {"<service id>": ["GET /api/**", …]}}), {@code address_ranges} (a list of
 * CIDRs) and {@code metadata} (an object of strings).
 */
public final class KeyLimitsInput {
    public static final String SCOPE = "scope";
    public static final String RANGES = "address_ranges";
    public static final String METADATA = "metadata";

    private KeyLimitsInput() {}

    /** {@code current} with the parts the request sends replaced. */
    public static KeyRestrictions.Limits merge(KeyRestrictions.Limits current, Optional<JsonNode> scope,
                                               Optional<JsonNode> ranges, Optional<JsonNode> metadata) {
        KeyScope newScope = scope.map(node -> node.isNull() ? KeyScope.UNRESTRICTED : scopeOf(node)).orElse(current.scope());
        AddressRanges newRanges = ranges.map(KeyLimitsInput::rangesOf).orElse(current.ranges());
        KeyMetadata newMetadata = metadata.map(KeyMetadata::fromJson).orElse(current.metadata());
        return new KeyRestrictions.Limits(newScope, newRanges, newMetadata);
    }

    private static KeyScope scopeOf(JsonNode node) {
        if (!node.isObject()) throw new InvalidInputException(SCOPE, "scope is null or an object of service ids and rule lists.");
        return KeyScope.fromJson(node.toString());
    }

    private static AddressRanges rangesOf(JsonNode node) {
        if (node.isNull()) return AddressRanges.ANYWHERE;
        if (!node.isArray()) throw new InvalidInputException(RANGES, "address_ranges is a list of strings such as \"203.0.113.0/24\".");
        List<String> entries = new ArrayList<>();
        for (JsonNode entry : node) {
            if (!entry.isTextual()) throw new InvalidInputException(RANGES, "Each address range is a string.");
            entries.add(entry.asText());
        }
        return AddressRanges.parse(entries);
    }

    /** The three fields of an API answer. */
    public static Map<String, Object> asJson(KeyRestrictions.Limits limits) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (limits.scope().isUnrestricted()) {
            out.put(SCOPE, null);
        } else {
            Map<String, List<String>> scope = new LinkedHashMap<>();
            limits.scope().services().forEach((id, rules) -> scope.put(Long.toString(id), rules.stream().map(ScopeRule::toString).toList()));
            out.put(SCOPE, scope);
        }
        out.put(RANGES, limits.ranges().entries());
        out.put(METADATA, limits.metadata().pairs());
        return out;
    }

    /**
     * A form's fields: {@code scope_mode} ({@code all}, or {@code chosen} for the services ticked in
     * {@code scope_service}, each with its rules in {@code scope_rules_<id>}, one per line; none
     * for any request), {@code address_ranges} and, unless {@code withMetadata} is false,
     * {@code metadata} ({@code name: value} lines). Works without JavaScript.
     */
    public static KeyRestrictions.Limits fromForm(Function<String, String> field, Function<String, List<String>> fields,
                                                  boolean withMetadata) {
        KeyScope scope = KeyScope.UNRESTRICTED;
        if ("chosen".equals(field.apply("scope_mode"))) {
            Map<Long, List<ScopeRule>> services = new LinkedHashMap<>();
            for (String raw : fields.apply("scope_service")) {
                long id;
                try {
                    id = Long.parseLong(raw.strip());
                } catch (NumberFormatException e) {
                    throw new InvalidInputException(SCOPE, "Choose services from the list.");
                }
                services.put(id, KeyScope.rulesOf(field.apply("scope_rules_" + id)));
            }
            scope = KeyScope.of(services);
        }
        AddressRanges ranges = AddressRanges.parse(field.apply(RANGES));
        KeyMetadata metadata = withMetadata ? KeyMetadata.parse(field.apply(METADATA)) : KeyMetadata.NONE;
        return new KeyRestrictions.Limits(scope, ranges, metadata);
    }

    /** The page that sets a key's limits (a bot's, a person's, a device's); {@code bound} says what a device's may not exceed. */
    public record Page(dev.keydesk.web.Layout layout, String heading, String action, String back, String backLabel, FormView form,
                       boolean withMetadata, String error, String bound) {
        public Page(dev.keydesk.web.Layout layout, String heading, String action, String back, String backLabel, FormView form,
                    boolean withMetadata, String error) {
            this(layout, heading, action, back, backLabel, form, withMetadata, error, null);
        }
    }

    /** What a form shows: one row per service the account may open, ticked and with its rules when chosen. */
    public record FormView(boolean chosen, List<ServiceRow> services, String ranges, String metadata, String summary) {
        public record ServiceRow(long id, String name, boolean ticked, String rules) {}

        public static FormView of(KeyRestrictions.Limits limits, List<GuardedService> offered, String summary) {
            List<ServiceRow> rows = new ArrayList<>();
            for (GuardedService s : offered) {
                List<ScopeRule> rules = limits.scope().services().get(s.id());
                rows.add(new ServiceRow(s.id(), s.name(), rules != null, rules == null ? "" : KeyScope.rulesText(rules)));
            }
            return new FormView(!limits.scope().isUnrestricted(), rows, String.join("\n", limits.ranges().entries()),
                    limits.metadata().text(), summary);
        }

        /** A refused form shown again as it was typed, so nothing has to be entered twice. */
        public static FormView posted(Function<String, String> field, Function<String, List<String>> fields,
                                      List<GuardedService> offered, String summary) {
            List<String> ticked = fields.apply("scope_service").stream().map(String::strip).toList();
            List<ServiceRow> rows = new ArrayList<>();
            for (GuardedService s : offered) {
                String rules = field.apply("scope_rules_" + s.id());
                rows.add(new ServiceRow(s.id(), s.name(), ticked.contains(Long.toString(s.id())), rules == null ? "" : rules));
            }
            return new FormView("chosen".equals(field.apply("scope_mode")), rows, orEmpty(field.apply(RANGES)),
                    orEmpty(field.apply(METADATA)), summary);
        }

        private static String orEmpty(String s) {
            return s == null ? "" : s;
        }
    }
}
