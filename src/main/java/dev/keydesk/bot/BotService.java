package dev.keydesk.bot;

/** Where an outgoing webhook bot sends events, and its encrypted token. */
public record BotService(long botId, String payloadUrl, int interfaceType, byte[] tokenCiphertext) {
    public BotInterface botInterface() {
        return BotInterface.fromCode(interfaceType).orElseThrow();
    }
}
