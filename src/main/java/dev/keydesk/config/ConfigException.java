package dev.keydesk.config;

/** A setting or start-up condition that stops Keydesk, with a message meant for the operator. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
