package dev.keydesk.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything Keydesk reads from its environment. The variable names are a contract with
 * deployment scripts; docs/running.md documents each one.
 */
public record Settings(
        int port,
        String bindAddress,
        URI externalUrl,
        DatabaseTarget database,
        Path dataDir,
        Path masterKeyFile,
        boolean devMode,
        Smtp smtp,
        boolean webhooksAllowPrivate,
        TrustedProxies trustedProxies,
        String metricsToken,
        Retention retention,
        int ipv6RateLimitPrefix,
        Oidc oidc) {

    /** The bounds of KEYDESK_IPV6_RATE_LIMIT_PREFIX: no wider than a /32 (a whole provider), down to single addresses. */
    public static final int MIN_IPV6_PREFIX = 32;
    public static final int MAX_IPV6_PREFIX = 128;

    /** How TLS is used with the SMTP server. */
    public enum SmtpSecurity { NONE, STARTTLS, TLS }

    /**
     * Outgoing mail; null in {@link Settings#smtp()} means e-mails are written to the log.
     * {@code trusted}: the only certificates the server's may chain to (a private CA); empty, the
     * JVM's trusted CAs.
     */
    public record Smtp(String host, int port, String user, String password, SmtpSecurity security, String from,
                       List<X509Certificate> trusted) {
        public Smtp {
            trusted = List.copyOf(trusted);
        }

        @Override
        public String toString() {
            return "Smtp[" + host + ":" + port + ", " + security + ", from " + from
                    + (trusted.isEmpty() ? "" : ", trusting " + trusted.size() + " certificate(s)") + "]"; // never the password
        }
    }

    /**
     * How long finished records are kept: delivered or abandoned outbox items (e-mails and
     * webhook calls, whose delivery log a bot's page shows) for {@code outboxDays}, audit rows for
     * {@code auditDays} (null: forever).
     */
    public record Retention(int outboxDays, Integer auditDays, int revokedDeviceKeyDays, int usageDays) {}

    /**
     * Single sign-on through an OpenID Connect provider; null in {@link Settings#oidc()} when
     * KEYDESK_OIDC_ISSUER is unset. {@code allowedDomains}: the e-mail domains whose people get an
     * account on their first sign-in (empty: nobody new); {@code adminGroup}: the value of the
     * {@code groups} claim that makes an administrator (null: none).
     */
    public record Oidc(URI issuer, String clientId, String clientSecret, String buttonLabel,
                       List<String> allowedDomains, String adminGroup) {
        public Oidc {
            allowedDomains = List.copyOf(allowedDomains);
        }

        @Override
        public String toString() {
            return "Oidc[" + issuer + ", client " + clientId + "]"; // never the secret
        }
    }

    /** Where the database lives: the embedded server, or an external one. */
    public sealed interface DatabaseTarget permits Embedded, External {}

    public record Embedded() implements DatabaseTarget {}

    public record External(String jdbcUrl, String user, String password) implements DatabaseTarget {
        @Override
        public String toString() {
            return "External[" + jdbcUrl + "]"; // never print the password
        }
    }

    public static Settings fromEnvironment() {
        return fromMap(System.getenv());
    }

    public static Settings fromMap(Map<String, String> env) {
        int port = parsePort(env.getOrDefault("KEYDESK_PORT", "7070"));
        if (port == 0) port = freePort(); // resolved now, so the default external URL names the real port
        String bind = nonBlank(env.get("KEYDESK_BIND"), "127.0.0.1");
        URI externalUrl = parseExternalUrl(nonBlank(env.get("KEYDESK_EXTERNAL_URL"), "http://localhost:" + port));
        Path dataDir = Path.of(nonBlank(env.get("KEYDESK_DATA_DIR"), "./data")).toAbsolutePath().normalize();
        Path masterKey = Path.of(nonBlank(env.get("KEYDESK_MASTER_KEY_FILE"), dataDir.resolve("master.key").toString()))
                .toAbsolutePath().normalize();
        String dbUrl = env.get("KEYDESK_DATABASE_URL");
        DatabaseTarget database = dbUrl == null || dbUrl.isBlank() ? new Embedded() : parseDatabaseUrl(dbUrl.trim());
        boolean dev = parseBoolean("KEYDESK_DEV", env.getOrDefault("KEYDESK_DEV", "false"));
        boolean allowPrivate = parseBoolean("KEYDESK_WEBHOOKS_ALLOW_PRIVATE",
                env.getOrDefault("KEYDESK_WEBHOOKS_ALLOW_PRIVATE", "false"));
        TrustedProxies trustedProxies = TrustedProxies.parse(env.get("KEYDESK_TRUSTED_PROXIES"));
        String metricsToken = env.get("KEYDESK_METRICS_TOKEN");
        if (metricsToken != null && !metricsToken.isBlank() && metricsToken.strip().length() < 16) {
            throw new ConfigException("KEYDESK_METRICS_TOKEN must be at least 16 characters long");
        }
        Retention retention = new Retention(
                parseDays("KEYDESK_OUTBOX_RETENTION_DAYS", env.getOrDefault("KEYDESK_OUTBOX_RETENTION_DAYS", "30")),
                parseKeepOrDays("KEYDESK_AUDIT_RETENTION_DAYS", env.get("KEYDESK_AUDIT_RETENTION_DAYS")),
                parseDays("KEYDESK_DEVICE_KEY_RETENTION_DAYS", env.getOrDefault("KEYDESK_DEVICE_KEY_RETENTION_DAYS", "90")),
                parseDays("KEYDESK_USAGE_RETENTION_DAYS", env.getOrDefault("KEYDESK_USAGE_RETENTION_DAYS", "90")));
        int ipv6Prefix = parseIpv6Prefix(env.getOrDefault("KEYDESK_IPV6_RATE_LIMIT_PREFIX", "64"));
        return new Settings(port, bind, externalUrl, database, dataDir, masterKey, dev, parseSmtp(env, externalUrl),
                allowPrivate, trustedProxies, metricsToken == null || metricsToken.isBlank() ? null : metricsToken.strip(),
                retention, ipv6Prefix, parseOidc(env));
    }

    private static final List<String> OIDC_OPTIONAL = List.of("KEYDESK_OIDC_CLIENT_ID", "KEYDESK_OIDC_CLIENT_SECRET_FILE",
            "KEYDESK_OIDC_BUTTON_LABEL", "KEYDESK_OIDC_ALLOWED_DOMAINS", "KEYDESK_OIDC_ADMIN_GROUP");

    private static Oidc parseOidc(Map<String, String> env) {
        String rawIssuer = env.get("KEYDESK_OIDC_ISSUER");
        if (rawIssuer == null || rawIssuer.isBlank()) {
            for (String name : OIDC_OPTIONAL) {
                String value = env.get(name);
                if (value != null && !value.isBlank()) {
                    throw new ConfigException(name + " is set but KEYDESK_OIDC_ISSUER is not: set the provider's issuer URL too");
                }
            }
            return null;
        }
        URI issuer = parseIssuer(rawIssuer.trim());
        String clientId = env.get("KEYDESK_OIDC_CLIENT_ID");
        if (clientId == null || clientId.isBlank()) {
            throw new ConfigException("KEYDESK_OIDC_CLIENT_ID must be set when KEYDESK_OIDC_ISSUER is");
        }
        String secret = readClientSecret(env.get("KEYDESK_OIDC_CLIENT_SECRET_FILE"));
        String label = nonBlank(env.get("KEYDESK_OIDC_BUTTON_LABEL"), "Log in with single sign-on");
        if (label.length() > 60 || label.chars().anyMatch(Character::isISOControl)) {
            throw new ConfigException("KEYDESK_OIDC_BUTTON_LABEL must be one line of at most 60 characters");
        }
        List<String> domains = new ArrayList<>();
        String rawDomains = env.get("KEYDESK_OIDC_ALLOWED_DOMAINS");
        if (rawDomains != null && !rawDomains.isBlank()) {
            for (String part : rawDomains.split(",")) {
                String domain = part.trim().toLowerCase(Locale.ROOT);
                if (domain.startsWith("@")) domain = domain.substring(1);
                if (!domain.matches("(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")) {
                    throw new ConfigException("KEYDESK_OIDC_ALLOWED_DOMAINS must be domain names separated by commas"
                            + " (example.com,example.org), got '" + part.trim() + "'");
                }
                domains.add(domain);
            }
        }
        String group = env.get("KEYDESK_OIDC_ADMIN_GROUP");
        return new Oidc(issuer, clientId.trim(), secret, label, domains, group == null || group.isBlank() ? null : group.trim());
    }

    /** HTTPS, or plain HTTP to this machine only (a provider run beside Keydesk for tests). */
    private static URI parseIssuer(String raw) {
        try {
            URI uri = new URI(raw);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean local = uri.getHost() != null && (uri.getHost().equals("localhost") || uri.getHost().equals("127.0.0.1")
                    || uri.getHost().equals("[::1]"));
            if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null
                    || !(scheme.equals("https") || scheme.equals("http") && local)) {
                throw new ConfigException("KEYDESK_OIDC_ISSUER must be the provider's https:// issuer URL"
                        + " (http:// only on localhost), got '" + raw + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException("KEYDESK_OIDC_ISSUER is not a valid URL: '" + raw + "'");
        }
    }

    private static String readClientSecret(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new ConfigException("KEYDESK_OIDC_CLIENT_SECRET_FILE must name the file holding the client secret"
                    + " when KEYDESK_OIDC_ISSUER is set");
        }
        Path file = Path.of(raw.trim());
        String secret;
        try {
            secret = Files.readString(file).strip();
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : ConfigException.rootMessage(e);
            throw new ConfigException("KEYDESK_OIDC_CLIENT_SECRET_FILE cannot be read: " + file + " (" + why + ")");
        }
        if (secret.isEmpty() || secret.chars().anyMatch(Character::isISOControl)) {
            throw new ConfigException("KEYDESK_OIDC_CLIENT_SECRET_FILE must hold the client secret on one line: " + file);
        }
        return secret;
    }

    /** The address the provider sends people back to; registered with the provider as the redirect URI. */
    public URI oidcRedirectUri() {
        return URI.create(site() + "/login/oidc/callback");
    }

    /** How many leading bits of an IPv6 client address make one client for the rate limits. */
    private static int parseIpv6Prefix(String raw) {
        try {
            int bits = Integer.parseInt(raw.trim());
            if (bits >= MIN_IPV6_PREFIX && bits <= MAX_IPV6_PREFIX) return bits;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new ConfigException("KEYDESK_IPV6_RATE_LIMIT_PREFIX must be a prefix length from " + MIN_IPV6_PREFIX
                + " to " + MAX_IPV6_PREFIX + ", got '" + raw + "'");
    }

    private static int parseDays(String name, String raw) {
        try {
            int days = Integer.parseInt(raw.trim());
            if (days >= 1 && days <= 36_500) return days;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new ConfigException(name + " must be a number of days from 1 to 36500, got '" + raw + "'");
    }

    /** Unset, empty or "keep": null (keep forever); otherwise a number of days. */
    private static Integer parseKeepOrDays(String name, String raw) {
        if (raw == null || raw.isBlank() || raw.trim().equalsIgnoreCase("keep")) return null;
        try {
            return parseDays(name, raw);
        } catch (ConfigException e) {
            throw new ConfigException(name + " must be \"keep\" or a number of days from 1 to 36500, got '" + raw + "'");
        }
    }

    private static Smtp parseSmtp(Map<String, String> env, URI externalUrl) {
        String host = env.get("KEYDESK_SMTP_HOST");
        if (host == null || host.isBlank()) return null;
        SmtpSecurity security = switch (env.getOrDefault("KEYDESK_SMTP_TLS", "starttls").trim().toLowerCase(Locale.ROOT)) {
            case "none", "false", "off", "no" -> SmtpSecurity.NONE;
            case "starttls", "true", "on", "yes", "" -> SmtpSecurity.STARTTLS;
            case "tls", "ssl", "smtps" -> SmtpSecurity.TLS;
            default -> throw new ConfigException("KEYDESK_SMTP_TLS must be none, starttls or tls");
        };
        int defaultPort = security == SmtpSecurity.TLS ? 465 : security == SmtpSecurity.STARTTLS ? 587 : 25;
        String rawPort = nonBlank(env.get("KEYDESK_SMTP_PORT"), Integer.toString(defaultPort));
        int port;
        try {
            port = Integer.parseInt(rawPort);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new ConfigException("KEYDESK_SMTP_PORT must be a port number from 1 to 65535, got '" + rawPort + "'");
        }
        String user = env.get("KEYDESK_SMTP_USER");
        String from = nonBlank(env.get("KEYDESK_SMTP_FROM"), "keydesk@" + externalUrl.getHost());
        String caFile = env.get("KEYDESK_SMTP_CA_FILE");
        List<X509Certificate> trusted = List.of();
        if (caFile != null && !caFile.isBlank()) {
            if (security == SmtpSecurity.NONE) {
                throw new ConfigException("KEYDESK_SMTP_CA_FILE is set but KEYDESK_SMTP_TLS is none: "
                        + "set KEYDESK_SMTP_TLS to starttls or tls for the certificates to be used");
            }
            trusted = readCertificates(Path.of(caFile.trim()));
        }
        return new Smtp(host.trim(), port, user == null || user.isBlank() ? null : user.trim(),
                env.get("KEYDESK_SMTP_PASSWORD"), security, from, trusted);
    }

    /** The certificates of a PEM file (one or more "-----BEGIN CERTIFICATE-----" blocks). */
    private static List<X509Certificate> readCertificates(Path file) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                if (c instanceof X509Certificate x509) certificates.add(x509);
            }
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : ConfigException.rootMessage(e);
            throw new ConfigException("KEYDESK_SMTP_CA_FILE cannot be read: " + file + " (" + why + ")");
        } catch (CertificateException e) {
            certificates.clear(); // said below
        }
        if (certificates.isEmpty()) {
            throw new ConfigException("KEYDESK_SMTP_CA_FILE must hold PEM certificates (-----BEGIN CERTIFICATE-----), "
                    + "found none in " + file);
        }
        return certificates;
    }

    /** The external URL without a trailing slash, as written into every zuliprc as {@code site}. */
    public String site() {
        String url = externalUrl.toString();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** People reach Keydesk over HTTPS (perhaps through a proxy that terminates TLS). */
    public boolean isHttps() {
        return "https".equalsIgnoreCase(externalUrl.getScheme());
    }

    public boolean secureCookies() {
        return isHttps();
    }

    private static String nonBlank(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private static int parsePort(String raw) {
        try {
            int port = Integer.parseInt(raw.trim());
            if (port < 0 || port > 65535) {
                throw new ConfigException("KEYDESK_PORT must be between 0 and 65535, got " + raw);
            }
            return port;
        } catch (NumberFormatException e) {
            throw new ConfigException("KEYDESK_PORT must be a number, got '" + raw + "'");
        }
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new ConfigException("Cannot find a free port for KEYDESK_PORT=0: " + e.getMessage(), e);
        }
    }

    private static boolean parseBoolean(String name, String raw) {
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off", "" -> false;
            default -> throw new ConfigException(name + " must be true or false, got '" + raw + "'");
        };
    }

    private static URI parseExternalUrl(String raw) {
        try {
            URI uri = new URI(raw);
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null) {
                throw new ConfigException("KEYDESK_EXTERNAL_URL must be an http:// or https:// URL, got '" + raw + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException("KEYDESK_EXTERNAL_URL is not a valid URL: '" + raw + "'");
        }
    }

    /** Accepts {@code jdbc:postgresql://…} as is, and {@code postgresql://user:pass@host:port/db}. */
    static External parseDatabaseUrl(String raw) {
        if (raw.startsWith("jdbc:postgresql:")) {
            return new External(raw, null, null);
        }
        try {
            URI uri = new URI(raw);
            String scheme = uri.getScheme();
            if (!"postgresql".equals(scheme) && !"postgres".equals(scheme) || uri.getHost() == null) {
                throw new ConfigException("KEYDESK_DATABASE_URL must look like postgresql://user:password@host:port/database");
            }
            String user = null;
            String password = null;
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                user = decode(parts[0]);
                password = parts.length > 1 ? decode(parts[1]) : null;
            }
            String jdbc = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                    + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/postgres" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            return new External(jdbc, user, password);
        } catch (URISyntaxException e) {
            throw new ConfigException("KEYDESK_DATABASE_URL is not a valid URL");
        }
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
