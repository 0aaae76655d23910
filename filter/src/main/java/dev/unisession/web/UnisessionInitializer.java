package dev.unisession.web;

import dev.unisession.api.SessionManager;
import dev.unisession.config.UnisessionConfig;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Registers {@link UnifiedSessionFilter} when the jar sits in WEB-INF/lib, mapped to /* for every dispatcher type
 * and <em>before</em> the application's own filter mappings ({@code isMatchAfter=false}). A web-fragment's filter
 * cannot do that (descriptor filters always come first) and is dropped by {@code metadata-complete="true"}, while
 * initializers still run. If the application already declares our filter (by name or by class), this steps aside.
 * Set the context-param {@code unisession.enabled=false} to turn the self-registration off.
 */
public final class UnisessionInitializer implements ServletContainerInitializer {

    public static final String ENABLED_PARAM = "unisession.enabled";
    private static final System.Logger LOG = System.getLogger(UnisessionInitializer.class.getName());

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext ctx) {
        if ("false".equalsIgnoreCase(ctx.getInitParameter(ENABLED_PARAM))) {
            LOG.log(System.Logger.Level.INFO, "unisession self-registration off ({0}=false)", ENABLED_PARAM);
            return;
        }
        registerHealth(ctx);
        if (ctx.getFilterRegistration(UnifiedSessionFilter.FILTER_NAME) != null) return;
        for (FilterRegistration r : ctx.getFilterRegistrations().values()) {
            if (UnifiedSessionFilter.class.getName().equals(r.getClassName())) return;
        }
        FilterRegistration.Dynamic reg =
                ctx.addFilter(UnifiedSessionFilter.FILTER_NAME, UnifiedSessionFilter.class.getName());
        if (reg == null) return;
        reg.setAsyncSupported(true);
        reg.addMappingForUrlPatterns(EnumSet.allOf(DispatcherType.class), false, "/*");
        LOG.log(
                System.Logger.Level.INFO,
                "unisession filter registered for context ''{0}'' ahead of the application''s filters",
                ctx.getContextPath());
    }

    /**
     * Maps the health endpoint when the settings visible here (context-params, system properties, environment,
     * unisession.properties) enable it, so that the path exists even where no default servlet would map it.
     */
    private static void registerHealth(ServletContext ctx) {
        UnisessionConfig config;
        try {
            Map<String, String> params = FilterSetup.contextParams(ctx);
            params.remove(ENABLED_PARAM);
            config = UnisessionConfig.load("context-param", params, FilterSetup.webappLoader(ctx));
        } catch (RuntimeException e) {
            return; // the filter reports bad settings when it starts
        }
        if (!config.health().enabled()) return;
        ServletRegistration.Dynamic reg = ctx.addServlet(
                "unisession-health",
                new HealthEndpoint(
                        config.health().path(),
                        config.health().role(),
                        config.health().allowLoopback(),
                        () -> (SessionManager) ctx.getAttribute(SessionManager.CONTEXT_ATTRIBUTE)));
        if (reg != null) reg.addMapping(config.health().path());
    }
}
