package dev.keydesk.guard;

import dev.keydesk.web.Layout;
import java.util.List;

/** What the Services pages show. */
public final class ServicesPages {
    private ServicesPages() {}

    public record Row(long id, String name, String description, String accessLabel, String rateLimit, int members,
                      String created) {}

    public record ListPage(Layout layout, List<Row> rows, String forwardAuthUrl) {}

    public record AccessChoice(String value, String label, boolean selected) {}

    public record Member(long id, String fullName, String email, boolean isBot) {}

    /** The register / modify form; {@code id} 0 for a new service. */
    public record FormPage(Layout layout, long id, String name, String description, List<AccessChoice> access,
                           String rateLimit, String error, List<Member> members, boolean chosenAccess, String query,
                           List<Member> matches) {
        public String action() {
            return id == 0 ? "/services" : "/services/" + id;
        }

        public String heading() {
            return id == 0 ? "Register a service" : name;
        }
    }

    /** The service token, shown once after registering or regenerating it. */
    public record TokenPage(Layout layout, long id, String name, String token, String forwardAuthUrl) {}
}
