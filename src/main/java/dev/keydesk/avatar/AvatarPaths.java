package dev.keydesk.avatar;

/** Where an account's avatar is served; the version changes the address whenever the image does. */
public final class AvatarPaths {
    private AvatarPaths() {}

    public static String of(long userId, int version) {
        return "/avatar/" + userId + "?v=" + version;
    }
}
