package dev.keydesk;

import dev.keydesk.audit.Actor;
import dev.keydesk.config.Settings;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.leak.ScanCommand;
import dev.keydesk.setup.OrganizationActions;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Commands for administrators, configured by the same environment variables as the server.
 * Exit status: 0 done, 1 could not be done (bad input, unknown user), 2 wrong usage; {@code scan}
 * has its own ({@link ScanCommand}).
 */
public final class AdminCommands {
    private static final String USAGE = """
            Usage:
              keydesk.jar                      start the server
              keydesk.jar create-user --email EMAIL --full-name NAME --role owner|admin|member --password-stdin [--org-name NAME]
                                               before setup, this creates the organization too (named by
                                               --org-name, "Keydesk" if not given) and the setup link stops working
              keydesk.jar regenerate-key --email EMAIL
              keydesk.jar scan [--report URL] PATH...   find Keydesk keys in files (- for standard input)
            """;

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    public AdminCommands(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    public int run(String[] args) {
        try {
            return switch (args[0]) {
                case "create-user" -> createUser(options(args, Set.of("--email", "--full-name", "--role", "--org-name"),
                        Set.of("--password-stdin")));
                case "regenerate-key" -> regenerateKey(options(args, Set.of("--email"), Set.of()));
                case "scan" -> scan(Arrays.asList(args).subList(1, args.length));
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> usage("Unknown command '" + args[0] + "'.");
            };
        } catch (UsageException e) {
            return usage(e.getMessage());
        } catch (InvalidInputException e) {
            err.println("keydesk: " + e.getMessage());
            return 1;
        }
    }

    private int createUser(Map<String, String> opts) {
        String email = require(opts, "--email");
        String fullName = require(opts, "--full-name");
        Role role = Role.parse(require(opts, "--role"))
                .filter(r -> r == Role.OWNER || r == Role.ADMIN || r == Role.MEMBER)
                .orElseThrow(() -> new UsageException("--role must be owner, admin or member."));
        if (!opts.containsKey("--password-stdin")) {
            throw new UsageException("Pass --password-stdin and give the password on standard input.");
        }
        String password = readPassword();
        String orgName = opts.getOrDefault("--org-name", "Keydesk");
        OrganizationActions.CommandLineUser created = withServices(
                s -> s.organizations().createUserFromCommandLine(orgName, email, fullName, role, password));
        if (created.createdOrganization() != null) {
            // Standard output keeps only the id, for scripts; this goes to the person at the terminal.
            err.println("keydesk: There was no organization yet, so this created it: \"" + created.createdOrganization()
                    + "\", with " + created.user().email() + " as its first account. The setup link is no longer needed.");
        }
        out.println(created.user().id());
        return 0;
    }

    private int regenerateKey(Map<String, String> opts) {
        String email = require(opts, "--email");
        return withServices(s -> {
            Optional<User> user = s.userQueries().findByEmail(email);
            if (user.isEmpty()) {
                err.println("keydesk: No account has the e-mail address " + email + ".");
                return 1;
            }
            s.apiKeys().regenerateKey(Actor.commandLine(), user.get().id());
            out.println("Generated a new API key for " + user.get().email()
                    + ". The old key no longer works and its devices have been logged out.");
            return 0;
        });
    }

    /** Needs no database: it reads files and, with --report, talks to a Keydesk over HTTP. */
    private int scan(List<String> args) {
        try {
            return new ScanCommand(in, out, err).run(args);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private <T> T withServices(java.util.function.Function<Services, T> work) {
        try (Services services = Services.open(Settings.fromEnvironment(), Tuning.standard())) {
            return work.apply(services);
        }
    }

    private String readPassword() {
        try {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line = reader.readLine();
            if (line == null || line.isEmpty()) throw new InvalidInputException("No password was given on standard input.");
            return line;
        } catch (java.io.IOException e) {
            throw new InvalidInputException("Cannot read the password from standard input: " + e.getMessage());
        }
    }

    private static Map<String, String> options(String[] args, Set<String> valued, Set<String> flags) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (flags.contains(arg)) {
                opts.put(arg, "");
            } else if (valued.contains(arg)) {
                if (i + 1 >= args.length) throw new UsageException(arg + " needs a value.");
                opts.put(arg, args[++i]);
            } else {
                throw new UsageException("Unknown option '" + arg + "'.");
            }
        }
        return opts;
    }

    private static String require(Map<String, String> opts, String name) {
        String value = opts.get(name);
        if (value == null || value.isBlank()) throw new UsageException(name + " is required.");
        return value;
    }

    private int usage(String problem) {
        err.println("keydesk: " + problem);
        err.print(USAGE);
        return 2;
    }

    private static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
