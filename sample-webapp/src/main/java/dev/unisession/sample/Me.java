package dev.unisession.sample;

import dev.unisession.api.SessionInfo;
import dev.unisession.api.SessionManager;
import dev.unisession.api.UnifiedSession;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import java.util.List;

/** The current user, through the injected unified session and session manager. */
@RequestScoped
public class Me {

    /** Each user's connected platforms (accounts) they can switch between without logging in again. */
    static List<String> platformsOf(String user) {
        return List.of("personal", user + "@acme-eu", user + "@acme-us");
    }

    @Inject
    UnifiedSession session;

    @Inject
    SessionManager sessions;

    public String user() {
        return session.principal();
    }

    public String context() {
        return session.context();
    }

    public String sessionId() {
        return session.id();
    }

    public UnifiedSession session() {
        return session;
    }

    /** This user's live sessions, most recently used first. */
    public List<SessionInfo> mySessions() {
        String user = user();
        return user == null ? List.of() : sessions.sessionsOf(user);
    }

    /** Ends every other session of this user. @return how many */
    public int logOutOtherSessions() {
        String user = user();
        return user == null ? 0 : sessions.invalidateAllOf(user, sessionId());
    }

    public SessionManager manager() {
        return sessions;
    }
}
