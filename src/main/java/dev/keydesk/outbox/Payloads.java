package dev.keydesk.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/** Reads an outbox item's JSON payload (a flat map of strings). */
public final class Payloads {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Payloads() {}

    public static Map<String, String> read(OutboxItem item) {
        try {
            return JSON.readValue(item.payload(), JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
        } catch (JsonProcessingException e) {
            throw new DeliveryFailure("unreadable outbox item: " + e.getOriginalMessage(), true);
        }
    }
}
