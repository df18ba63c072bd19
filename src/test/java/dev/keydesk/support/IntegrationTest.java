package dev.keydesk.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that starts Keydesk servers, other processes, a browser or mail and webhook
 * receivers. Such classes run in the integration lane ({@code mvn verify}), not in {@code mvn test}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(IntegrationTest.TAG)
public @interface IntegrationTest {
    String TAG = "integration";
}
