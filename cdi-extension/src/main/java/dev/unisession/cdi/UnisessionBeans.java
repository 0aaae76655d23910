package dev.unisession.cdi;

import dev.unisession.api.SessionManager;
import dev.unisession.api.UnifiedSession;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Makes the unified session injectable:
 *
 * <pre>{@code
 * @Inject UnifiedSession session;   // the current request's session (a request-scoped proxy)
 * @Inject SessionManager sessions;  // the application's session administration
 * }</pre>
 */
@ApplicationScoped
public class UnisessionBeans {

    /** The current request's unified session; the unisession filter must be in front of the request. */
    @Produces
    @RequestScoped
    UnifiedSession unifiedSession(HttpServletRequest request) {
        return UnifiedSession.of(request);
    }

    /** The web application's SessionManager, looked up on each call (the filter may start after the beans). */
    @Produces
    @ApplicationScoped
    SessionManager sessionManager(ServletContext context) {
        return new ContextSessionManager(context);
    }
}
