package dev.keydesk.guard;

import dev.keydesk.web.Flash;

/** The Services pages' notices, and those of the limits people set on their own keys. Each name is what the notice's cookie carries, so it is unique across features. */
public enum ServiceNotices implements Flash.Notice {
    SERVICE_MODIFIED(Flash.Words.of("The service was changed.")),
    SERVICE_MEMBER_ADDED(Flash.Words.of("The account may now call the service.")),
    SERVICE_MEMBER_REMOVED(Flash.Words.of("The account may no longer call the service.")),
    SERVICE_DELETED(Flash.Words.of("The service was deleted. Its token no longer works.")),
    OWN_KEY_LIMITS_CHANGED(Flash.Words.of("The limits of your keys were changed.")),
    DEVICE_KEY_LIMITS_CHANGED(Flash.Words.of("The limits of that device's key were changed."));

    private final Flash.Words words;

    ServiceNotices(Flash.Words words) {
        this.words = words;
    }

    @Override
    public Flash.Words words() {
        return words;
    }
}
