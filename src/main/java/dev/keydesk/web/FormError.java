package dev.keydesk.web;

import dev.keydesk.errors.InvalidInputException;

/**
 * Why a submitted form was refused, for showing it again: a message about one field goes beside
 * that field (and the field is marked invalid), any other message above the form.
 */
public record FormError(String field, String message) {
    public static FormError of(InvalidInputException e) {
        return new FormError(e.field(), e.getMessage());
    }

    /** The message, if it is about the form as a whole. */
    public static String general(FormError error) {
        return error == null || error.field() != null ? null : error.message();
    }

    /** The message, if it is about {@code field}. */
    public static String about(FormError error, String field) {
        return error != null && field.equals(error.field()) ? error.message() : null;
    }
}
