package dev.unisession.web;

import static dev.unisession.web.FilterSetup.auditSink;
import static dev.unisession.web.FilterSetup.extensions;
import static dev.unisession.web.FilterSetup.params;
import static dev.unisession.web.FilterSetup.signingKeys;
import static dev.unisession.web.FilterSetup.webappClasses;
import static dev.unisession.web.FilterSetup.webappLoader;

import dev.unisession.api.SessionEventListener;
import dev.unisession.api.SessionManager;
import dev.unisession.api.SessionMetrics;
import dev.unisession.api.SessionValidator;
import dev.unisession.api.UnifiedSession;
import dev.unisession.codec.AttributeCodec;
import dev.unisession.config.ConfigKey;
import dev.unisession.config.UnisessionConfig;
import dev.unisession.core.SessionEngine;
import dev.unisession.core.SessionEvents;
import dev.unisession.core.StoreSessionManager;
import dev.unisession.security.AuditSink;
import dev.unisession.store.DaemonScheduler;
import dev.unisession.store.JdbcDrivers;
import dev.unisession.store.LibraryThreadLocals;
import dev.unisession.store.LocalCopies;
import dev.unisession.store.PrincipalIndex;
import dev.unisession.store.SessionStore;
import dev.unisession.store.StoreUnavailableException;
import dev.unisession.token.SessionTokenCodec;
import dev.unisession.token.TokenKeys;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Replaces the container's HttpSession with the unified session for everything behind it.
 *
 * <p>Declare it first in web.xml (name {@value #FILTER_NAME}, all dispatcher types, async-supported), or just drop
 * the jar into WEB-INF/lib: {@link UnisessionInitializer} then registers it ahead of the application's own filters.
 * Settings come from init-params, context-params named {@code unisession.*}, system properties, the environment and
 * {@code unisession.properties} (see {@link UnisessionConfig}).
 */
public class UnifiedSessionFilter implements Filter {

    /** The filter name used by the self-registration and recommended for web.xml. */
    public static final String FILTER_NAME = "unisession";
    /** The request attribute that holds the request's session state, which is also its {@link UnifiedSession}. */
    static final String STATE_ATTRIBUTE = UnifiedSession.class.getName();

    private static final System.Logger LOG = System.getLogger(UnifiedSessionFilter.class.getName());

    private FilterRuntime runtime;
    private SessionMetrics metrics;
    private SessionManager manager;
    /** Null when the health endpoint is off: then it costs nothing. */
    private HealthEndpoint health;

    private SessionStore ownedStore;
    private AutoCloseable ownedAudit;
    private List<FilterExtension> extensions = List.of();
    private DaemonScheduler sweeper;
    /** The JDBC drivers this filter made known from the application (deregistered at stop); null: none. */
    private JdbcDrivers drivers;

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        ServletContext ctx = filterConfig.getServletContext();
        ClassLoader loader = webappLoader(ctx);
        try {
            UnisessionConfig config = UnisessionConfig.load(
                    "init-param of filter '" + filterConfig.getFilterName() + "' or context-param",
                    params(filterConfig),
                    loader);
            String application = config.applicationFor(ctx.getContextPath());
            LOG.log(
                    System.Logger.Level.INFO,
                    "unisession starting for context ''{0}'' (application ''{1}''): {2}",
                    ctx.getContextPath(),
                    application,
                    config);
            TokenKeys keys = signingKeys(config);
            SessionStore store = store(ctx, config);
            if (config.security().maxSessionsPerUser() > 0) {
                try {
                    PrincipalIndex.of(store);
                } catch (IllegalStateException e) {
                    throw new IllegalArgumentException(
                            "unisession.max-sessions-per-user needs a store with an index "
                                    + "of each user's sessions: " + e.getMessage(),
                            e);
                }
            }
            extensions = List.copyOf(extensions(FilterExtension.class, List.of(), loader, null));
            List<String> allow = new java.util.ArrayList<>();
            for (FilterExtension e : extensions) allow.addAll(e.allowedClasses());
            AttributeCodec codec = dev.unisession.boot.Bootstrap.codec(config, loader, webappClasses(ctx), allow);
            int timeout = config.sessionTimeout() != null
                    ? (int) config.sessionTimeout().toSeconds()
                    : ctx.getSessionTimeout() * 60;
            SessionEngine engine = new SessionEngine(
                    store,
                    codec,
                    Clock.systemUTC(),
                    timeout,
                    config.firstVisitTimeout() == null
                            ? 0
                            : (int) config.firstVisitTimeout().toSeconds(),
                    application);
            SessionTokenCodec tokens = new SessionTokenCodec(
                    config.token().mode(),
                    keys,
                    config.token().ttl(),
                    config.token().clockSkew(),
                    Clock.systemUTC(),
                    application,
                    config.token().unboundGrace());
            metrics = new SessionMetrics(store);
            AuditSink audit = auditSink(ctx, config, store, loader);
            if (audit instanceof AutoCloseable) ownedAudit = (AutoCloseable) audit;
            metrics.registerJmx(ctx.getContextPath());
            Object registry = ctx.getAttribute("io.micrometer.core.instrument.MeterRegistry");
            metrics.bindMicrometer(registry, ctx.getContextPath());
            ctx.setAttribute(SessionMetrics.class.getName(), metrics);
            runtime = new FilterRuntime(
                    ctx,
                    engine,
                    tokens,
                    new SessionCookie(config, ctx.getContextPath()),
                    ListenerBridge.forContext(ctx),
                    store instanceof LocalCopies,
                    config.migration(),
                    new FilterRuntime.Security(
                            audit, config.security(), config.audit().rejectedPerSecond()),
                    metrics);
            if (config.migration().cookie() != null && config.migration().until() == null) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Sessions imported from {0} are taken over through the {1} "
                                + "cookie with no end: a stolen {1} cookie keeps working until its imported session expires. "
                                + "Set unisession.migrate.until to the end of the rollout.",
                        config.migration().from(),
                        config.migration().cookie());
            }
            SessionEvents events = new SessionEvents();
            for (SessionEventListener l : extensions(
                    SessionEventListener.class, config.eventListeners(), loader, ConfigKey.EVENT_LISTENERS)) {
                events.add(l);
            }
            runtime.listeners().events(events);
            List<SessionValidator> validators = new CopyOnWriteArrayList<>(
                    extensions(SessionValidator.class, config.validation().validators(), loader, ConfigKey.VALIDATORS));
            runtime.validation(new FilterRuntime.Validation(
                    validators,
                    config.validation().interval().toMillis(),
                    config.validation().onError()));
            FilterRuntime rt = runtime;
            manager = new StoreSessionManager(
                    engine,
                    store,
                    codec,
                    metrics,
                    audit,
                    config.storage()
                            .type()
                            .name()
                            .toLowerCase(java.util.Locale.ROOT)
                            .replace('_', '-'),
                    config.expiryBatchSize(),
                    rt::ended,
                    events,
                    validators);
            ctx.setAttribute(SessionManager.CONTEXT_ATTRIBUTE, manager);
            health = config.health().enabled()
                    ? new HealthEndpoint(
                            config.health().path(),
                            config.health().role(),
                            config.health().allowLoopback(),
                            () -> manager)
                    : null;
            startSweeper(ctx, engine, config);
        } catch (IllegalArgumentException e) {
            destroy();
            throw new ServletException("unisession configuration error: " + e.getMessage(), e);
        } finally {
            LibraryThreadLocals.release(); // a hot redeploy starts us on a container thread that lives on
        }
    }

    private SessionStore store(ServletContext ctx, UnisessionConfig config) {
        Object given = ctx.getAttribute(SessionStore.CONTEXT_ATTRIBUTE);
        if (given instanceof SessionStore) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "unisession uses the store given in context attribute {0}: {1}",
                    SessionStore.CONTEXT_ATTRIBUTE,
                    given.getClass().getName());
            return (SessionStore) given;
        }
        if (config.storage().type().usesDatabase()
                && config.storage().jpa().url() != null
                && config.storage().jpa().dataSource() == null) {
            drivers = JdbcDrivers.load(config.storage().jpa().url(), webappLoader(ctx));
        }
        ownedStore = dev.unisession.boot.Bootstrap.store(config, webappLoader(ctx), Clock.systemUTC());
        return ownedStore;
    }

    private void startSweeper(ServletContext ctx, SessionEngine engine, UnisessionConfig config) {
        sweeper = new DaemonScheduler("unisession-expiry" + ctx.getContextPath().replace('/', '-'));
        long every = config.expiryInterval().toMillis();
        int batch = config.expiryBatchSize();
        sweeper.scheduleWithFixedDelay(
                () -> {
                    try {
                        engine.expire(batch, runtime::expired);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "Session expiry sweep failed", e);
                    }
                },
                every,
                every,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest) || !(res instanceof HttpServletResponse)) {
            chain.doFilter(req, res);
            return;
        }
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        if (health != null && health.handles(request)) {
            health.serve(request, response);
            return;
        }
        Object existing = request.getAttribute(STATE_ATTRIBUTE);
        if (existing instanceof RequestSession) {
            nested(request, response, (RequestSession) existing, chain);
            return;
        }
        try {
            filter(request, response, chain);
        } finally {
            LibraryThreadLocals.release();
        }
    }

    /** One request from its start (not a nested dispatch) to its end. */
    private void filter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        RequestSession state = new RequestSession(runtime, request, response);
        request.setAttribute(STATE_ATTRIBUTE, state);
        SessionRequest wrappedRequest = new SessionRequest(request, state);
        SessionResponse wrappedResponse = new SessionResponse(response, state::commit);
        for (FilterExtension e : extensions) {
            try {
                e.requestWrapped(request, wrappedRequest);
            } catch (RuntimeException ex) {
                // A store failure is the request's answer (503), logged and counted once by the filter.
                LOG.log(
                        dev.unisession.store.StoreUnavailableException.in(ex) != null
                                ? System.Logger.Level.DEBUG
                                : System.Logger.Level.WARNING,
                        "Filter extension " + e.getClass().getName() + " failed",
                        ex);
            }
        }
        Throwable thrown = null;
        try {
            chain.doFilter(wrappedRequest, wrappedResponse);
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(AsyncCommit.listener(state));
                return;
            }
        } catch (IOException | ServletException | RuntimeException | Error e) {
            thrown = e;
        }
        try {
            state.commit();
        } catch (StoreUnavailableException e) {
            // recorded by the state; answered below
        }
        StoreUnavailableException failure = state.failure();
        if (failure == null && thrown != null) {
            // A store failure the state has not seen (e.g. thrown through a session this request did not load).
            failure = StoreUnavailableException.in(thrown);
            if (failure != null) state.failed("request", null, failure);
        }
        if (failure != null && !response.isCommitted()) {
            unavailable(response, failure);
            return;
        }
        if (thrown instanceof IOException) throw (IOException) thrown;
        if (thrown instanceof ServletException) throw (ServletException) thrown;
        if (thrown instanceof RuntimeException) throw (RuntimeException) thrown;
        if (thrown instanceof Error) throw (Error) thrown;
    }

    /**
     * The answer to a request whose session could not be loaded or whose changes could not be saved: 503 with
     * {@code Retry-After}, nothing of the application's response (its output, headers and cookies, including a new
     * session's cookie), and no change to the client's cookies. A change the store refused because another request
     * changed what this one read ({@link StoreUnavailableException.Kind#CONFLICT}) is answered 409 the same way: the
     * store is fine, and sending the request again (to any node) runs it on the current session.
     */
    static void unavailable(HttpServletResponse response, StoreUnavailableException failure) throws IOException {
        boolean conflict = failure.kind() == StoreUnavailableException.Kind.CONFLICT;
        response.reset();
        response.setStatus(conflict ? HttpServletResponse.SC_CONFLICT : HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        if (!conflict) response.setHeader("Retry-After", RETRY_AFTER_SECONDS);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("text/plain;charset=UTF-8");
        byte[] body = (conflict
                        ? "This session was changed by another request meanwhile; this request's change was "
                                + "not saved. Please reload and try again.\n"
                        : "The session store is unavailable. Please retry in a moment.\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        try {
            response.getOutputStream().write(body);
        } catch (IllegalStateException e) {
            response.getWriter().write(new String(body, java.nio.charset.StandardCharsets.UTF_8)); // writer in use
        }
    }

    /** What a client is told to wait before it retries a request answered 503 for a store failure. */
    private static final String RETRY_AFTER_SECONDS = "1";

    /** A FORWARD/INCLUDE/ERROR/ASYNC dispatch of a request we already wrap: same session state. */
    private static void nested(
            HttpServletRequest request, HttpServletResponse response, RequestSession state, FilterChain chain)
            throws IOException, ServletException {
        DispatcherType type = request.getDispatcherType();
        try {
            chain.doFilter(request instanceof SessionRequest ? request : new SessionRequest(request, state), response);
        } finally {
            // A container may complete the response as soon as a FORWARD returns (Tomcat does), and ERROR and
            // ASYNC dispatches run after the outer request: save (and set the cookie) now. An INCLUDE cannot set
            // headers; the outer request saves its changes.
            if (type != DispatcherType.INCLUDE) state.commit();
        }
    }

    @Override
    public void destroy() {
        if (manager != null && runtime != null) {
            ServletContext ctx = runtime.servletContext();
            if (ctx.getAttribute(SessionManager.CONTEXT_ATTRIBUTE) == manager) {
                ctx.removeAttribute(SessionManager.CONTEXT_ATTRIBUTE);
            }
        }
        if (metrics != null) {
            metrics.unregisterJmx();
            metrics.unbindMicrometer();
        }
        if (sweeper != null) {
            // a sweep under way (a store call) ends first: Tomcat checks for the application's threads at once
            sweeper.stop(true, 5_000);
        }
        if (ownedAudit != null) {
            try {
                ownedAudit.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "Audit sink did not close cleanly", e);
            }
        }
        try {
            if (ownedStore != null) ownedStore.close();
        } finally {
            if (drivers != null) drivers.deregister();
            LibraryThreadLocals.release();
            // The JDK caches the libraries' message bundles (EclipseLink's) by class loader, softly: a full GC keeps
            // them, and with them the class loader of an application whose WEB-INF/lib holds this jar.
            java.util.ResourceBundle.clearCache(UnifiedSessionFilter.class.getClassLoader());
        }
    }
}
