package dev.keydesk.web;

/** Ends a page request with an error page: a status and a message for the person. */
public class WebError extends RuntimeException {
    private final int status;

    public WebError(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
