package dev.keydesk.errors;

/**
 * Something named in the request (usually an id in the path) does not exist. Pages answer 404;
 * the API answers 400 with the message, as Zulip does for "No such bot" and "No such user".
 */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message, null, false, false);
    }
}
