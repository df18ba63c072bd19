package dev.keydesk.errors;

/** An action this user may not take; answered with 403 and the message. */
public class ForbiddenException extends RuntimeException {
    public ForbiddenException(String message) {
        super(message, null, false, false);
    }
}
