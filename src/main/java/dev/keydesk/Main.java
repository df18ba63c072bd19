package dev.keydesk;

import dev.keydesk.config.ConfigException;
import dev.keydesk.config.Settings;

/** {@code java -jar keydesk.jar} serves; {@code java -jar keydesk.jar COMMAND …} runs an admin command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        try {
            if (args.length == 0 || args[0].equals("serve")) {
                serve();
            } else {
                int status = new AdminCommands(System.in, System.out, System.err).run(args);
                System.exit(status);
            }
        } catch (ConfigException e) {
            System.err.println("keydesk: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void serve() {
        Keydesk keydesk = Keydesk.start(Settings.fromEnvironment());
        Runtime.getRuntime().addShutdownHook(new Thread(keydesk::close, "keydesk-shutdown"));
        keydesk.announceSetupLink();
    }
}
