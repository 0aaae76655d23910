package dev.unisession.web;

import dev.unisession.config.MigrationSettings;
import dev.unisession.core.ActiveSession;
import dev.unisession.core.LegacyIds;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.util.Collections;

/**
 * Sessions a client holds from another mechanism, taken over without logging it out: the container's own session
 * (a rollout), or a session imported by {@code unisession-admin migrate} that the client still knows by the old
 * library's cookie. Finds and builds them; {@link RequestSession} binds them to the request.
 */
final class Takeover {

    private static final System.Logger LOG = System.getLogger(Takeover.class.getName());

    private Takeover() {}

    /**
     * Zero-logout rollout: a new unified session with the attributes of the container's session the client holds,
     * which is invalidated; null when there is none (or it ended meanwhile). Values that cannot be stored are left
     * behind (logged).
     */
    static ActiveSession nativeSession(
            FilterRuntime runtime, HttpServletRequest request, HttpServletResponse response, long requestTime) {
        if (request.getRequestedSessionId() == null || response.isCommitted()) return null;
        HttpSession nativeSession = request.getSession(false);
        if (nativeSession == null) return null;
        ActiveSession active = runtime.engine().create(requestTime);
        try {
            active.setMaxInactiveSeconds(nativeSession.getMaxInactiveInterval());
            for (String name : Collections.list(nativeSession.getAttributeNames())) {
                try {
                    active.setAttribute(name, nativeSession.getAttribute(name));
                } catch (IllegalArgumentException e) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "Container session attribute not taken over: {0}",
                            e.getMessage());
                }
            }
            nativeSession.invalidate();
        } catch (IllegalStateException e) {
            return null; // it ended meanwhile
        }
        LOG.log(
                System.Logger.Level.INFO,
                "Container session taken over by a unified session ({0} attributes)",
                active.attributeNames().size());
        return active;
    }

    /**
     * The imported session whose old cookie the client sent, still under its imported id (the caller renames it, so
     * the old cookie works once only and the imported id never reaches the client); null when there is none.
     */
    static ActiveSession imported(
            FilterRuntime runtime, HttpServletRequest request, HttpServletResponse response, long requestTime) {
        if (response.isCommitted() || request.getCookies() == null) return null;
        MigrationSettings imported = runtime.migration();
        // The first value under the other library's cookie name only: each value costs a store lookup before
        // anything about it is verified (a legacy id is not signed), so a header with many costs no more.
        Cookie legacy = null;
        for (Cookie c : request.getCookies()) {
            if (imported.cookie().equals(c.getName())) {
                legacy = c;
                break;
            }
        }
        if (legacy == null) return null;
        String legacyId = LegacyIds.fromCookie(imported.from(), legacy.getValue());
        if (legacyId == null) return null;
        return runtime.engine().load(LegacyIds.unifiedId(imported.from(), legacyId), requestTime);
    }
}
