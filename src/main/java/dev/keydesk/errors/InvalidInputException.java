package dev.keydesk.errors;

/** Input that an action refuses, with a message fit to show the person who sent it. */
public class InvalidInputException extends RuntimeException {
    private final String field;

    public InvalidInputException(String message) {
        this(null, message);
    }

    /** About one field of a form or request ({@code field} is its name), so a page can show the message beside it. */
    public InvalidInputException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The field the message is about, or null when it is about the request as a whole. */
    public String field() {
        return field;
    }
}
