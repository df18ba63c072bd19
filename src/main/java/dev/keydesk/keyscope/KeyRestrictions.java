package dev.keydesk.keyscope;

import dev.keydesk.errors.InvalidInputException;
import java.util.Collection;
import java.util.List;

/**
 * What limits one key, loaded with it into the key cache: the account's restrictions (which
 * every key of the account obeys) and, for a device's key, the device's own, which can only
 * narrow them further. Metadata is the account's.
 */
public record KeyRestrictions(Limits account, Limits device) {
    public static final KeyRestrictions NONE = new KeyRestrictions(Limits.NONE, Limits.NONE);

    /** One set of limits, as stored on an account or a device. */
    public record Limits(KeyScope scope, AddressRanges ranges, KeyMetadata metadata) {
        public static final Limits NONE = new Limits(KeyScope.UNRESTRICTED, AddressRanges.ANYWHERE, KeyMetadata.NONE);
        /** Limits whose stored form cannot be read: a key is refused everything rather than given everything. */
        public static final Limits UNREADABLE = new Limits(KeyScope.NOTHING, AddressRanges.parse(List.of("0.0.0.0/32")),
                KeyMetadata.NONE);

        public boolean isNone() {
            return scope.isUnrestricted() && ranges.isAnywhere() && metadata.isEmpty();
        }

        /** Reads stored columns (any of them may be null). */
        public static Limits stored(String scopeJson, String[] ranges, String metadataJson) {
            try {
                return new Limits(KeyScope.fromJson(scopeJson), AddressRanges.parse(ranges == null ? List.of() : List.of(ranges)),
                        KeyMetadata.fromJson(metadataJson));
            } catch (InvalidInputException e) {
                return UNREADABLE;
            }
        }
    }

    public KeyRestrictions {
        if (account == null) account = Limits.NONE;
        if (device == null) device = Limits.NONE;
    }

    public boolean admitsAddress(String ip) {
        return account.ranges().admits(ip) && device.ranges().admits(ip);
    }

    public boolean mayOpen(long serviceId) {
        return account.scope().mayOpen(serviceId) && device.scope().mayOpen(serviceId);
    }

    public boolean hasRulesFor(long serviceId) {
        return account.scope().hasRulesFor(serviceId) || device.scope().hasRulesFor(serviceId);
    }

    public boolean covers(long serviceId, Collection<String> methods, Collection<String> uris) {
        return account.scope().covers(serviceId, methods, uris) && device.scope().covers(serviceId, methods, uris);
    }

    public KeyMetadata metadata() {
        return account.metadata();
    }

    /** Whether nothing limits the key: what the Keys console's "unrestricted" filter finds. */
    public boolean isNone() {
        return account.isNone() && device.isNone();
    }
}
