package dev.keydesk.db;

import java.lang.annotation.Annotation;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.jdbi.v3.sqlobject.customizer.SqlStatementCustomizer;
import org.jdbi.v3.sqlobject.customizer.SqlStatementCustomizerFactory;
import org.jdbi.v3.sqlobject.customizer.SqlStatementCustomizingAnnotation;
import org.postgresql.PGStatement;

/**
 * Marks a statement that PostgreSQL must plan for the values it runs with, every time: a list's
 * search, filter or page. A search for a rare text wants the trigram index, one for a common
 * text wants the name order, and a plan made once for any value (which PostgreSQL settles on
 * after a statement's fifth run on a connection) reads every bot for both.
 *
 * <p>Every other statement keeps PostgreSQL's plan cache: the API's hot paths, the foreign-key
 * checks and the PL/pgSQL functions would otherwise pay for planning on every run, about a
 * millisecond of database time per {@code fetch_api_key}.
 *
 * <p>On a SQL object method, annotate it; on a statement built in code, add {@link #CUSTOMIZER}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@SqlStatementCustomizingAnnotation(PlannedPerValue.Factory.class)
public @interface PlannedPerValue {
    /**
     * The driver never prepares such a statement by name on the server (a prepare threshold of
     * 0), and PostgreSQL plans an unnamed statement with the values bound to it.
     */
    StatementCustomizer CUSTOMIZER = new StatementCustomizer() {
        @Override
        public void beforeExecution(PreparedStatement statement, StatementContext context) throws SQLException {
            statement.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
    };

    /** Applies {@link #CUSTOMIZER} to the annotated method's statement. */
    final class Factory implements SqlStatementCustomizerFactory {
        @Override
        public SqlStatementCustomizer createForMethod(Annotation annotation, Class<?> sqlObjectType, Method method) {
            return statement -> statement.addCustomizer(CUSTOMIZER);
        }
    }
}
