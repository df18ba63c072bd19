package dev.keydesk.errors;

/** Input that an action refuses, with a message fit to show the person who sent it. */
public class InvalidInputException extends RuntimeException {
    public InvalidInputException(String message) {
        super(message);
    }
}
