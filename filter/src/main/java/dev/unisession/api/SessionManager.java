package dev.unisession.api;

import jakarta.servlet.ServletContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Administration of the sessions in the store: find, list, end, export and erase them, and ask how the store
 * is doing. The filter puts its instance in the context attribute {@link #CONTEXT_ATTRIBUTE}; the admin CLI
 * builds one from the same configuration, so both act through the same code.
 *
 * <pre>{@code
 * SessionManager sessions = SessionManager.of(request.getServletContext());
 * int ended = sessions.invalidateAllOf("alice", UnifiedSession.of(request).id()); // "log out other devices"
 * }</pre>
 *
 * Sessions ended here fire the application's {@code HttpSessionListener}s when the filter's instance is used.
 */
public interface SessionManager {

    String CONTEXT_ATTRIBUTE = SessionManager.class.getName();

    /**
     * The manager of the unisession filter of this web application.
     *
     * @throws IllegalStateException when the filter has not started in this context
     */
    static SessionManager of(ServletContext context) {
        Object o = context.getAttribute(CONTEXT_ATTRIBUTE);
        if (!(o instanceof SessionManager)) {
            throw new IllegalStateException("The unisession filter has not started in this web application");
        }
        return (SessionManager) o;
    }

    /**
     * Creates a session outside any request (for example for a service login), stored at once.
     *
     * @param principal its principal, or null
     * @param context   its platform context, or null
     * @return the new session; a client uses it once it holds a cookie for it
     */
    SessionInfo create(String principal, String context);

    /**
     * Lets a session live at least {@code duration} from now without being used, by raising its max inactive
     * interval as needed.
     *
     * @return false when the session does not exist
     */
    boolean extend(String id, Duration duration);

    /** Adds a listener for the events of every session of this store (see {@link SessionEventListener}). */
    void addEventListener(SessionEventListener listener);

    /** Adds a validator, run after those already registered (see {@link SessionValidator}). */
    void addValidator(SessionValidator validator);

    /** The live session with this id. */
    Optional<SessionInfo> find(String id);

    /** The live sessions of a principal, most recently used first. */
    List<SessionInfo> sessionsOf(String principal);

    /**
     * One page of the live sessions.
     *
     * @param cursor      null for the first page, else the previous page's {@link SessionPage#next()}
     * @param max         page size (1 to 10,000); a page may hold fewer after filtering
     * @param idleAtLeast only sessions not used for at least this long ({@link Duration#ZERO} for all)
     */
    SessionPage list(String cursor, int max, Duration idleAtLeast);

    /** Ends one session. @return false when it did not exist */
    boolean invalidate(String id);

    /**
     * Ends every session of a principal except {@code keepId} (null to end them all): "log out other devices".
     *
     * @return how many were ended
     */
    int invalidateAllOf(String principal, String keepId);

    /**
     * Everything stored for a principal's sessions, as JSON (GDPR right of access): metadata and each attribute,
     * decoded where the attribute's class is available, else its size and bytes in base64.
     */
    String exportOf(String principal);

    /**
     * Removes every trace of a principal (GDPR erasure): its sessions in every tier, expired or not, the indexes
     * that name it, and the audit entries of a sink that keeps them (see {@code AuditSink#erase}).
     *
     * @return how many sessions were removed
     * @throws RuntimeException when a tier cannot be reached: the erasure is then incomplete and must be retried
     */
    int erase(String principal);

    /** Expires now every session whose time is up, in batches, firing listeners once each. @return how many */
    int cleanupExpired();

    /** The one metrics type of this store: counters, tier latencies, active sessions. */
    SessionMetrics stats();

    /** Probes each tier now. */
    SessionHealth health();
}
