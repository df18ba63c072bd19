package dev.keydesk.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Throwaway certificates made with the JDK's keytool: a private CA (valid for a few days) and
 * server certificates it signs for given host names, as an organization's own mail server would
 * have. Nothing here is trusted by anything but the tests that name the CA's file.
 */
public final class TestCertificates {
    public static final String PASSWORD = "changeit";

    private TestCertificates() {}

    /** A CA: its key in {@code keyStore}, its certificate in PEM in {@code certificateFile}. */
    public record Authority(Path keyStore, Path certificateFile) {
        public String pem() throws IOException {
            return Files.readString(certificateFile);
        }
    }

    /** A server's PKCS#12 key store (password {@link #PASSWORD}): its key and the chain to its CA. */
    public record Server(Path keyStore) {
        public SSLContext sslContext() throws IOException, GeneralSecurityException {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                store.load(in, PASSWORD.toCharArray());
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, PASSWORD.toCharArray());
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(keys.getKeyManagers(), null, null);
            return tls;
        }
    }

    public static Authority authority(Path dir, String name) throws IOException, InterruptedException {
        Path store = dir.resolve(name + "-ca.p12");
        Path pem = dir.resolve(name + "-ca.pem");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name + " test CA",
                "-ext", "bc:c", "-validity", "3", "-keystore", store.toString(), "-storetype", "PKCS12");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", store.toString(), "-file", pem.toString());
        return new Authority(store, pem);
    }

    /** A server certificate for these names ({@code dns:localhost}, {@code ip:127.0.0.1}), signed by {@code ca}. */
    public static Server server(Path dir, String name, Authority ca, String... subjectAltNames)
            throws IOException, InterruptedException {
        Path store = dir.resolve(name + ".p12");
        Path request = dir.resolve(name + ".csr");
        Path certificate = dir.resolve(name + ".pem");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "3", "-keystore", store.toString(), "-storetype", "PKCS12");
        keytool("-certreq", "-alias", "server", "-keystore", store.toString(), "-file", request.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", ca.keyStore().toString(), "-infile", request.toString(),
                "-outfile", certificate.toString(), "-rfc", "-validity", "3", "-ext", "san=" + String.join(",", subjectAltNames),
                "-ext", "eku=serverAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", ca.certificateFile().toString(),
                "-keystore", store.toString());
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", certificate.toString(), "-keystore", store.toString());
        return new Server(store);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("-storepass", PASSWORD));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed:\n" + output);
        }
    }
}
