package dev.unisession.web;

import dev.unisession.config.ConfigKey;
import dev.unisession.config.UnisessionConfig;
import dev.unisession.security.AuditSink;
import dev.unisession.store.SessionStore;
import dev.unisession.token.TokenKeys;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import java.net.MalformedURLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What {@link UnifiedSessionFilter#init} reads from the web application: its settings (context- and init-params),
 * its class loader and classes, the signing keys, and the extensions and audit sink it provides.
 */
final class FilterSetup {

    private static final System.Logger LOG = System.getLogger(UnifiedSessionFilter.class.getName());

    private FilterSetup() {}

    /** The webapp's class loader; embedded contexts may report none, then the thread's or our own. */
    static ClassLoader webappLoader(ServletContext ctx) {
        ClassLoader l = ctx.getClassLoader();
        if (l == null) l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : FilterSetup.class.getClassLoader();
    }

    /** The context-params named {@code unisession.*}. */
    static Map<String, String> contextParams(ServletContext ctx) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : Collections.list(ctx.getInitParameterNames())) {
            if (n.startsWith(UnisessionConfig.PREFIX)) out.put(n, ctx.getInitParameter(n));
        }
        return out;
    }

    static Map<String, String> params(FilterConfig fc) {
        Map<String, String> out = contextParams(fc.getServletContext());
        for (String n : Collections.list(fc.getInitParameterNames())) {
            out.put(n, fc.getInitParameter(n));
        }
        return out;
    }

    static AuditSink auditSink(ServletContext ctx, UnisessionConfig config, SessionStore store, ClassLoader loader) {
        Object given = ctx.getAttribute(AuditSink.CONTEXT_ATTRIBUTE);
        if (given instanceof AuditSink) return (AuditSink) given;
        return dev.unisession.boot.Bootstrap.auditSink(config, store, loader);
    }

    /**
     * The application's implementations of an extension type: those its {@code META-INF/services} names, then
     * the classes the setting names (public no-argument constructors).
     */
    static <T> List<T> extensions(Class<T> type, List<String> classNames, ClassLoader loader, ConfigKey key) {
        List<T> out = new java.util.ArrayList<>();
        java.util.Iterator<T> found = java.util.ServiceLoader.load(type, loader).iterator();
        while (true) {
            try {
                if (!found.hasNext()) break;
                out.add(found.next());
            } catch (java.util.ServiceConfigurationError | LinkageError e) {
                // e.g. the CDI module's listener where no CDI API is present: not for this application
                LOG.log(
                        System.Logger.Level.INFO,
                        "Skipping a {0} that cannot load here: {1}",
                        type.getSimpleName(),
                        e.toString());
            }
        }
        for (String name : classNames) {
            try {
                out.add(type.cast(
                        Class.forName(name, true, loader).getConstructor().newInstance()));
            } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
                throw new IllegalArgumentException("Invalid value for " + (key == null ? "?" : key.key()) + ": '"
                        + name + "' is not a "
                        + type.getSimpleName() + " with a public no-argument constructor (" + e + ")");
            }
        }
        return out;
    }

    static TokenKeys signingKeys(UnisessionConfig config) {
        if (config.token().keys() != null) {
            try {
                return TokenKeys.of(config.token().mode(), config.token().keys());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "Invalid value for " + ConfigKey.TOKEN_KEYS.key() + " (from "
                                + config.origin(ConfigKey.TOKEN_KEYS) + "): " + e.getMessage(),
                        e);
            }
        }
        if (config.token().keysFile() != null) {
            try {
                return TokenKeys.fromFile(
                        config.token().mode(),
                        java.nio.file.Path.of(config.token().keysFile()));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "Invalid value for " + ConfigKey.TOKEN_KEYS_FILE.key() + ": " + e.getMessage(), e);
            }
        }
        if (config.storage().type().isShared()) {
            throw new IllegalArgumentException(ConfigKey.TOKEN_KEYS.key() + " or "
                    + ConfigKey.TOKEN_KEYS_FILE.key() + " must be set when "
                    + ConfigKey.STORE.key() + "="
                    + config.storage().type().name().toLowerCase(java.util.Locale.ROOT)
                    + ": every node must verify every node's cookies");
        }
        LOG.log(
                System.Logger.Level.WARNING,
                "No {0} configured: signing session cookies with a random key. "
                        + "Sessions will not survive a restart and cannot be shared with other nodes.",
                ConfigKey.TOKEN_KEYS.key());
        return TokenKeys.random(config.token().mode());
    }

    /** True for classes the webapp itself defines in WEB-INF/classes. */
    static Predicate<String> webappClasses(ServletContext ctx) {
        return name -> {
            try {
                return ctx.getResource("/WEB-INF/classes/" + name.replace('.', '/') + ".class") != null;
            } catch (MalformedURLException | RuntimeException e) {
                return false;
            }
        };
    }
}
