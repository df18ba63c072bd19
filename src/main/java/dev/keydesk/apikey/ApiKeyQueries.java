package dev.keydesk.apikey;

import dev.keydesk.device.Device;
import dev.keydesk.device.DeviceDao;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Reading what pages show about keys: the devices that fetched an account's key. */
public final class ApiKeyQueries {
    private final Jdbi jdbi;

    public ApiKeyQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** A key by its row id (one an administrator looked up by its value), as it is now. */
    public Optional<FoundKey> findKey(long keyId) {
        return jdbi.withHandle(h -> KeyLookup.describe(h, keyId));
    }

    /** Most recently seen first. */
    public List<Device> devices(long userId) {
        return jdbi.withExtension(DeviceDao.class, dao -> dao.listForUser(userId));
    }
}
