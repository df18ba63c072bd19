package dev.keydesk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.db.SqlObjectDescriptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.extension.ExtensionFactory;
import org.jdbi.v3.core.extension.ExtensionHandlerFactory;
import org.jdbi.v3.core.extension.Extensions;
import org.jdbi.v3.core.extension.HandleSupplier;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.junit.jupiter.api.Test;

/**
 * Every SQL object type is described once, on the shared configuration, and every copy of that
 * configuration (each handle's) finds the description there instead of making its own. A factory
 * that fails when asked to describe stands in for Jdbi's, so a description made again shows.
 */
class SqlObjectDescriptionsTest {
    private static final Pattern SQL_ANNOTATION = Pattern.compile("@Sql(Query|Update|Batch|Call|Script)\\b");

    /** Says which handler factories describe a type: asked only when a type is described. */
    private static final ExtensionFactory DESCRIBES_NOTHING = new ExtensionFactory() {
        @Override
        public boolean accepts(Class<?> extensionType) {
            return true;
        }

        @Override
        public <E> E attach(Class<E> extensionType, HandleSupplier handleSupplier) {
            throw new AssertionError("never attached");
        }

        @Override
        public Collection<ExtensionHandlerFactory> getExtensionHandlerFactories(ConfigRegistry config) {
            throw new AssertionError("described again");
        }
    };

    @Test
    void everySqlObjectTypeInTheSourcesIsListed() throws IOException {
        Set<String> inSources;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            inSources = files.filter(f -> f.toString().endsWith(".java")).filter(SqlObjectDescriptionsTest::declaresSqlObject)
                    .map(f -> Path.of("src/main/java").relativize(f).toString().replace('/', '.').replaceAll("\\.java$", ""))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> listed = Services.SQL_OBJECT_TYPES.stream().map(Class::getName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(11, inSources.size(), "the scan finds the SQL object types: " + inSources);
        assertEquals(inSources, listed);
    }

    @Test
    void eachHandlesCopyOfTheConfigurationUsesTheSharedDescription() {
        Jdbi jdbi = configuredAsTheProduct();
        SqlObjectDescriptions.describe(jdbi, Services.SQL_OBJECT_TYPES);
        for (Class<?> type : Services.SQL_OBJECT_TYPES) {
            var shared = jdbi.getConfig(Extensions.class).findMetadata(type, DESCRIBES_NOTHING);
            var handles = jdbi.getConfig().createCopy().get(Extensions.class).findMetadata(type, DESCRIBES_NOTHING);
            assertSame(shared, handles, type.getName());
        }
    }

    @Test
    void withoutItEachCopyDescribesTheTypeAgain() {
        Jdbi jdbi = configuredAsTheProduct();
        AssertionError again = assertThrows(AssertionError.class, () -> jdbi.getConfig().createCopy()
                .get(Extensions.class).findMetadata(Services.SQL_OBJECT_TYPES.get(0), DESCRIBES_NOTHING));
        assertEquals("described again", again.getMessage());
    }

    @Test
    void aTypeThatIsNotASqlObjectIsRefused() {
        var refused = assertThrows(IllegalArgumentException.class,
                () -> SqlObjectDescriptions.describe(configuredAsTheProduct(), List.of(Runnable.class)));
        assertEquals("java.lang.Runnable is not a SQL object type", refused.getMessage());
    }

    /** No connection is opened: describing a type never runs a statement. */
    private static Jdbi configuredAsTheProduct() {
        return Jdbi.create("jdbc:postgresql://127.0.0.1:1/nothing-listens-here")
                .installPlugin(new SqlObjectPlugin()).installPlugin(new PostgresPlugin());
    }

    private static boolean declaresSqlObject(Path file) {
        try {
            String code = Files.readString(file);
            return code.contains("interface ") && SQL_ANNOTATION.matcher(code).find();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
