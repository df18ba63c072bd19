package dev.keydesk.errors;

/** Input that an action refuses, with a message fit to show the person who sent it. */
public class InvalidInputException extends RuntimeException {
    private final String field;

    public InvalidInputException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The request parameter at fault, when there is one. */
    public String field() {
        return field;
    }
}
