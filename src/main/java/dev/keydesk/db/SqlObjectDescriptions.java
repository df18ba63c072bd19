package dev.keydesk.db;

import java.util.List;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.extension.ExtensionContext;
import org.jdbi.v3.core.extension.Extensions;
import org.jdbi.v3.core.extension.HandleSupplier;

/**
 * Has Jdbi describe each SQL object type (its methods, their statements and customizers) once,
 * in the configuration every handle copies.
 *
 * <p>Jdbi keeps these descriptions per configuration, and a handle's copy starts with the shared
 * configuration's. A type described only in handles' copies is described again by every handle
 * that attaches it, reading every method's annotations: on {@code fetch_api_key} that was about a
 * millisecond of CPU per call, more than the statements it attached for.
 *
 * <p>Jdbi describes a type when it attaches it, so each type is attached once here to a supplier
 * of the shared configuration; the instance made is dropped without a statement ever running.
 */
public final class SqlObjectDescriptions {
    private SqlObjectDescriptions() {}

    public static void describe(Jdbi jdbi, List<Class<?>> sqlObjectTypes) {
        ConfigRegistry shared = jdbi.getConfig();
        HandleSupplier sharedConfiguration = new HandleSupplier() {
            @Override
            public Handle getHandle() {
                throw new IllegalStateException("SQL objects attached to be described never run");
            }

            @Override
            public Jdbi getJdbi() {
                return jdbi;
            }

            @Override
            public ConfigRegistry getConfig() {
                return shared;
            }

            @Override
            public <V> V invokeInContext(ExtensionContext context, Callable<V> task) {
                throw new IllegalStateException("SQL objects attached to be described never run");
            }
        };
        Extensions extensions = shared.get(Extensions.class);
        for (Class<?> type : sqlObjectTypes) {
            extensions.findFor(type, sharedConfiguration)
                    .orElseThrow(() -> new IllegalArgumentException(type.getName() + " is not a SQL object type"));
        }
    }
}
