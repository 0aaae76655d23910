package dev.unisession.spring;

import dev.unisession.api.SessionHealth;
import dev.unisession.api.SessionManager;
import dev.unisession.api.UnifiedSession;
import dev.unisession.config.ConfigKey;
import dev.unisession.web.UnifiedSessionFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Registers the unisession filter in a Spring Boot servlet application. An embedded container runs no
 * {@code ServletContainerInitializer} found in a jar, so the drop-in route registers nothing there; this does, ahead
 * of Spring Security's filter chain (order {@link #FILTER_ORDER}, as Spring Session's own filter), for every
 * dispatcher type. Settings are the {@code unisession.*} keys, bound from the Spring {@code Environment}
 * ({@code application.yaml}, profiles, relaxed names) and handed to the filter as its init-params: an unknown key
 * stops start-up naming it. The environment's own {@code UNISESSION_*} variables the filter reads itself, as
 * everywhere. {@code unisession.enabled=false} turns it all off.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(UnifiedSessionFilter.class)
@ConditionalOnBooleanProperty(name = "unisession.enabled", matchIfMissing = true)
public class UnisessionAutoConfiguration {

    /** Ahead of Spring Security's filter chain (-100) and every request-wrapping filter of Spring Boot. */
    public static final int FILTER_ORDER = Integer.MIN_VALUE + 50;

    private static final System.Logger LOG = System.getLogger(UnisessionAutoConfiguration.class.getName());

    @Bean
    @ConditionalOnMissingBean(name = "unisessionFilter")
    public FilterRegistrationBean<UnifiedSessionFilter> unisessionFilter(ConfigurableEnvironment environment) {
        FilterRegistrationBean<UnifiedSessionFilter> bean = new FilterRegistrationBean<>(new UnifiedSessionFilter());
        bean.setName(UnifiedSessionFilter.FILTER_NAME);
        bean.setOrder(FILTER_ORDER);
        bean.setAsyncSupported(true);
        bean.setDispatcherTypes(EnumSet.allOf(DispatcherType.class));
        bean.addUrlPatterns("/*");
        bean.setInitParameters(settings(environment));
        LOG.log(
                System.Logger.Level.INFO,
                "unisession filter registered by Spring Boot auto-configuration "
                        + "(order {0}, ahead of Spring Security)",
                FILTER_ORDER);
        return bean;
    }

    /**
     * The {@code unisession.*} settings of the Spring Environment, except the process environment (the filter reads
     * {@code UNISESSION_*} itself, and warns of those that are no key instead of failing) and
     * {@code unisession.enabled} (this class's switch).
     */
    static Map<String, String> settings(ConfigurableEnvironment environment) {
        MutablePropertySources sources = new MutablePropertySources();
        for (PropertySource<?> s : environment.getPropertySources()) {
            // "configurationProperties" is Boot's view of all the others, the environment included
            if (!StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME.equals(s.getName())
                    && !"configurationProperties".equals(s.getName())) {
                sources.addLast(s);
            }
        }
        Binder binder = new Binder(ConfigurationPropertySources.from(sources));
        Map<String, String> params = new LinkedHashMap<>();
        Set<String> known = new HashSet<>();
        for (ConfigKey key : ConfigKey.values()) {
            // relaxed: unisession.cookie.same-site, cookie.sameSite, cookie.same_site and nested YAML all bind
            binder.bind(key.key(), String.class).ifBound(v -> params.put(key.key(), v));
            known.add(relaxed(key.key()));
        }
        known.add(relaxed(ENABLED));
        // A name that is no key is handed on as written: the filter stops start-up naming it.
        binder.bind("unisession", Bindable.mapOf(String.class, String.class))
                .orElse(Map.of())
                .forEach((k, v) -> {
                    if (!known.contains(relaxed("unisession." + k))) params.put("unisession." + k, v);
                });
        return params;
    }

    private static final String ENABLED = "unisession.enabled";

    private static String relaxed(String name) {
        return name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    /** Micrometer: the application's registry, which the filter binds its meters to when it starts. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class Metrics {
        @Bean
        ServletContextInitializer unisessionMeterRegistry(
                ObjectProvider<io.micrometer.core.instrument.MeterRegistry> registry) {
            return ctx -> registry.ifAvailable(r -> ctx.setAttribute("io.micrometer.core.instrument.MeterRegistry", r));
        }
    }

    /** Actuator's health: the {@code unisession} component, the tiers of the filter's health report. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "unisessionHealthIndicator")
        org.springframework.boot.health.contributor.HealthIndicator unisessionHealthIndicator(SessionManager manager) {
            return () -> health(manager.health());
        }

        static org.springframework.boot.health.contributor.Health health(SessionHealth h) {
            // DEGRADED still serves sessions (a tier is down): UP for the application, the detail says so.
            var b = h.status() == SessionHealth.Status.DOWN
                    ? org.springframework.boot.health.contributor.Health.down()
                    : org.springframework.boot.health.contributor.Health.up();
            b.withDetail("status", h.status().name())
                    .withDetail("store", h.store())
                    .withDetail("activeSessions", h.activeSessions())
                    .withDetail("mode", h.mode())
                    .withDetail("backlog", h.backlog())
                    .withDetail("flushLagMillis", h.flushLagMillis());
            java.util.List<Map<String, Object>> tiers = new java.util.ArrayList<>();
            for (SessionHealth.Tier t : h.tiers()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", t.name());
                m.put("role", t.role());
                m.put("status", t.status().name());
                m.put("latencyMs", t.latencyMs());
                m.put("sessions", t.sessions());
                m.put("calls", t.calls());
                if (t.error() != null) m.put("error", t.error());
                tiers.add(m);
            }
            return b.withDetail("tiers", tiers).build();
        }
    }

    /**
     * The {@link SessionManager} of this application (the filter's, which exists once the web server has started;
     * each call goes to it).
     */
    @Bean
    @ConditionalOnMissingBean
    public SessionManager unisessionSessionManager(ServletContext servletContext) {
        return (SessionManager) Proxy.newProxyInstance(
                SessionManager.class.getClassLoader(), new Class<?>[] {SessionManager.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return switch (method.getName()) {
                            case "equals" -> proxy == args[0];
                            case "hashCode" -> System.identityHashCode(proxy);
                            default -> "SessionManager of " + servletContext.getContextPath();
                        };
                    }
                    try {
                        return method.invoke(SessionManager.of(servletContext), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** The current request's {@link UnifiedSession} (request scope). */
    @Bean
    @Scope(value = "request", proxyMode = ScopedProxyMode.INTERFACES)
    @ConditionalOnMissingBean
    public UnifiedSession unisessionUnifiedSession() {
        HttpServletRequest request =
                ((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes()).getRequest();
        return UnifiedSession.of(request);
    }
}
