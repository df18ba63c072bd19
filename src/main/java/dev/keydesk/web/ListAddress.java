package dev.keydesk.web;

import java.util.Optional;

/**
 * The address of a list page (its search, filters, order and page) that a form carries in its
 * {@code back} field, so an action can return to the list as it was. Only an address of that
 * list on this site is taken: a form field is the client's to change, and a redirect to
 * anything else would make Keydesk an open redirect.
 */
public final class ListAddress {
    private static final int MAX_LENGTH = 1000;

    private ListAddress() {}

    /** {@code address} when it is the list at {@code listPath}, with or without a query. */
    public static Optional<String> of(String address, String listPath) {
        boolean isTheList = address != null && (address.equals(listPath) || address.startsWith(listPath + "?"))
                && address.length() <= MAX_LENGTH && !address.contains("\\")
                && address.chars().noneMatch(Character::isISOControl);
        return isTheList ? Optional.of(address) : Optional.empty();
    }
}
