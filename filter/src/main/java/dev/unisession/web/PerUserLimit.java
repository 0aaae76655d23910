package dev.unisession.web;

import dev.unisession.api.SessionLimitException;
import dev.unisession.config.SecuritySettings;
import dev.unisession.core.ActiveSession;
import dev.unisession.security.AuditEvent;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code unisession.max-sessions-per-user} at login: refuses the login, or ends the user's oldest sessions. */
final class PerUserLimit {

    private PerUserLimit() {}

    /**
     * Makes room for one more session of {@code principal} beside {@code sessionId} (the session logging in), when
     * a limit is set.
     *
     * @throws SessionLimitException when the limit is reached and the policy is to refuse the login
     */
    static void admit(
            FilterRuntime runtime, HttpServletRequest request, long requestTime, String principal, String sessionId) {
        SecuritySettings sec = runtime.security().settings();
        if (sec.maxSessionsPerUser() <= 0) return;
        Set<String> others = new HashSet<>(runtime.engine().findIdsByPrincipal(principal));
        others.remove(sessionId);
        // The index may name sessions that changed hands or belong to another application sharing the store: only
        // when it says the limit is reached are the sessions read to count the principal's own.
        List<ActiveSession> own = others.size() < sec.maxSessionsPerUser()
                ? List.of()
                : sessionsOf(runtime, requestTime, principal, others);
        int excess = own.size() - sec.maxSessionsPerUser() + 1;
        if (excess <= 0) return;
        if (sec.maxSessionsPolicy() == SecuritySettings.MaxSessionsPolicy.REFUSE_NEW) {
            runtime.audit(AuditEvent.Type.LIMIT_REFUSED, sessionId, principal, null, request);
            throw new SessionLimitException(principal, sec.maxSessionsPerUser());
        }
        for (ActiveSession victim : own.subList(0, Math.min(excess, own.size()))) {
            if (runtime.engine().delete(victim)) {
                runtime.audit(AuditEvent.Type.LIMIT_EVICTED, victim.id(), principal, null, request);
                runtime.expired(victim);
            }
        }
    }

    /** The principal's sessions of this application among {@code ids}, oldest first. */
    private static List<ActiveSession> sessionsOf(
            FilterRuntime runtime, long requestTime, String principal, Set<String> ids) {
        List<ActiveSession> sessions = new ArrayList<>();
        for (String id : ids) {
            ActiveSession a = runtime.engine().load(id, requestTime);
            // Only the principal's own sessions: an index entry may be older than a change of hands.
            if (a != null && principal.equals(a.principal())) sessions.add(a);
        }
        sessions.sort(Comparator.comparingLong(ActiveSession::createdAt));
        return sessions;
    }
}
