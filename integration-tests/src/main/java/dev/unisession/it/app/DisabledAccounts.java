package dev.unisession.it.app;

import dev.unisession.api.SessionValidator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An application's validator: sessions of disabled accounts end; counts its calls per principal. */
public final class DisabledAccounts implements SessionValidator {

    static final Set<String> DISABLED = ConcurrentHashMap.newKeySet();
    static final Set<String> STALE_MFA = ConcurrentHashMap.newKeySet();
    /** Principals whose check fails (the validator throws, as one whose account service is down). */
    static final Set<String> BROKEN = ConcurrentHashMap.newKeySet();

    static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();

    @Override
    public Outcome validate(Candidate session) {
        String p = session.principal();
        if (p == null) return Outcome.VALID;
        CALLS.computeIfAbsent(p, k -> new AtomicInteger()).incrementAndGet();
        if (BROKEN.contains(p)) throw new IllegalStateException("account service unavailable");
        if (DISABLED.contains(p)) return Outcome.INVALIDATE;
        if (STALE_MFA.contains(p) && session.metadata().getInstant("mfaVerifiedAt") == null) {
            return Outcome.REQUIRE_REAUTH;
        }
        return Outcome.VALID;
    }
}
