package dev.keydesk.bot;

import dev.keydesk.avatar.AvatarPaths;
import java.time.Instant;

/** A bot account as the bot pages and API show it. */
public record Bot(long id, String email, String fullName, int botType, boolean isActive, Instant dateJoined,
                  int avatarVersion) {

    public BotType type() {
        return BotType.fromCode(botType).orElseThrow();
    }

    public String avatarPath() {
        return AvatarPaths.of(id, avatarVersion);
    }
}
