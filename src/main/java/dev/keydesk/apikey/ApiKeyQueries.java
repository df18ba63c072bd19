package dev.keydesk.apikey;

import dev.keydesk.device.Device;
import dev.keydesk.device.DeviceDao;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Reading what pages show about keys: the devices that fetched an account's key. */
public final class ApiKeyQueries {
    private final Jdbi jdbi;

    public ApiKeyQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Most recently seen first. */
    public List<Device> devices(long userId) {
        return jdbi.withExtension(DeviceDao.class, dao -> dao.listForUser(userId));
    }
}
