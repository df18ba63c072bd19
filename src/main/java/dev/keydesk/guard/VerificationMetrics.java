package dev.keydesk.guard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;

/** Counts verification outcomes by service, for {@code /metrics}. */
public final class VerificationMetrics {
    private final MeterRegistry registry;

    public VerificationMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(KeyVerifier.Decision decision) {
        String service = "";
        String outcome;
        if (decision instanceof KeyVerifier.Allowed a) {
            service = a.service().name();
            outcome = "allowed";
        } else if (decision instanceof KeyVerifier.NotAdmitted n) {
            service = n.service().name();
            outcome = "not_admitted";
        } else if (decision instanceof KeyVerifier.OutOfScope o) {
            service = o.service().name();
            outcome = "out_of_scope";
        } else if (decision instanceof KeyVerifier.WrongAddress) {
            outcome = "wrong_address";
        } else if (decision instanceof KeyVerifier.Refused r) {
            outcome = r.code().toLowerCase(Locale.ROOT);
        } else if (decision instanceof KeyVerifier.Limited) {
            outcome = "rate_limited";
        } else if (decision instanceof KeyVerifier.NoKey) {
            outcome = "no_key";
        } else {
            outcome = "unknown_service";
        }
        Counter.builder("keydesk_verifications").description("Key verifications for guarded services by outcome")
                .tag("service", service).tag("outcome", outcome).register(registry).increment();
    }
}
