package dev.unisession.admin;

import dev.unisession.api.SessionMetrics;
import dev.unisession.codec.AttributeCodec;
import dev.unisession.config.UnisessionConfig;
import dev.unisession.core.SessionEngine;
import dev.unisession.core.StoreSessionManager;
import dev.unisession.security.AuditSink;
import dev.unisession.store.SessionStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;

/**
 * What every admin command works with: the configuration (from the same sources as the filter, with
 * {@code --config} and {@code --set} in place of init-params), the store it names, the codec, and the
 * {@link StoreSessionManager} the filter uses too.
 */
final class AdminContext implements AutoCloseable {

    final UnisessionConfig config;
    final SessionStore store;
    final AttributeCodec codec;
    final SessionEngine engine;
    final SessionMetrics metrics;
    final StoreSessionManager manager;
    final AuditSink audit;
    private final URLClassLoader loader;

    private AdminContext(UnisessionConfig config, SessionStore store, AttributeCodec codec, URLClassLoader loader) {
        this.config = config;
        this.store = store;
        this.codec = codec;
        this.loader = loader;
        Clock clock = Clock.systemUTC();
        int timeout = config.sessionTimeout() == null
                ? 1800
                : (int) config.sessionTimeout().toSeconds();
        this.engine = new SessionEngine(store, codec, clock, timeout);
        this.metrics = new SessionMetrics(store);
        this.audit = dev.unisession.boot.Bootstrap.auditSink(config, store, loader);
        this.manager = new StoreSessionManager(
                engine,
                store,
                codec,
                metrics,
                audit,
                config.storage().type().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                config.expiryBatchSize(),
                session -> {},
                new dev.unisession.core.SessionEvents(),
                new java.util.concurrent.CopyOnWriteArrayList<>());
    }

    /**
     * Opens the configured store.
     *
     * @param configFile a properties file of {@code unisession.*} keys, or null
     * @param settings   {@code key=value} settings from the command line (highest precedence)
     * @param classpath  directories (application classes, allowed in sessions like WEB-INF/classes) and jars
     *                   (loadable, allowed only through {@code unisession.codec.allow})
     */
    static AdminContext open(Path configFile, List<String> settings, List<Path> classpath) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String s : settings) {
            int eq = s.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--set expects key=value, got '" + s + "'");
            String key = s.substring(0, eq).trim();
            params.put(
                    key.startsWith(UnisessionConfig.PREFIX) ? key : UnisessionConfig.PREFIX + key, s.substring(eq + 1));
        }
        if (configFile != null) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(configFile)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + configFile + ": " + e.getMessage(), e);
            }
            for (String n : p.stringPropertyNames()) params.putIfAbsent(n, p.getProperty(n));
        }
        List<URL> urls = new ArrayList<>();
        List<Path> classDirs = new ArrayList<>();
        for (Path c : classpath) {
            if (!Files.exists(c)) throw new IllegalArgumentException("--classpath entry does not exist: " + c);
            if (Files.isDirectory(c)) classDirs.add(c);
            try {
                urls.add(c.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("--classpath entry " + c + ": " + e.getMessage(), e);
            }
        }
        URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), AdminContext.class.getClassLoader());
        UnisessionConfig config = UnisessionConfig.load("--set or --config", params, loader);
        Predicate<String> appClass = name -> {
            String file = name.replace('.', '/') + ".class";
            for (Path d : classDirs) if (Files.isRegularFile(d.resolve(file))) return true;
            return false;
        };
        AttributeCodec codec = dev.unisession.boot.Bootstrap.codec(config, loader, appClass, java.util.List.of());
        SessionStore store = dev.unisession.boot.Bootstrap.store(config, loader, Clock.systemUTC());
        return new AdminContext(config, store, codec, loader);
    }

    @Override
    public void close() {
        try {
            if (audit instanceof AutoCloseable) ((AutoCloseable) audit).close();
        } catch (Exception e) {
            // flushing failed: the store is closed all the same
        }
        try {
            store.close();
        } finally {
            try {
                loader.close();
            } catch (IOException e) {
                // nothing held open that matters
            }
        }
    }
}
