package dev.unisession.store;

import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.HashSet;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The JDBC driver of {@code unisession.jpa.url} when it comes with the application (WEB-INF/lib): DriverManager
 * looks for drivers once per JVM, with the class loader of whoever asks first, so it does not know a driver that
 * only the application has. We register it, and deregister at stop what the application's class loader defined and
 * was registered while we started (DriverManager would otherwise keep that class loader for the JVM's lifetime).
 */
public final class JdbcDrivers {

    private static final System.Logger LOG = System.getLogger(JdbcDrivers.class.getName());

    private final ClassLoader loader;
    private final Set<Driver> before;

    private JdbcDrivers(ClassLoader loader, Set<Driver> before) {
        this.loader = loader;
        this.before = before;
    }

    /**
     * Makes a driver for the URL known to DriverManager, from the application's class loader if need be, and
     * remembers which drivers were registered before.
     */
    public static JdbcDrivers load(String url, ClassLoader loader) {
        // DriverManager's own one-time scan runs here if it has not yet, with the system class loader: a scan with
        // the application's loader as the thread's would register every driver of the application, for good.
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(ClassLoader.getSystemClassLoader());
        JdbcDrivers drivers;
        try {
            drivers = new JdbcDrivers(loader, new HashSet<>(Collections.list(DriverManager.getDrivers())));
        } finally {
            t.setContextClassLoader(previous);
        }
        if (drivers.known(url)) return drivers;
        try {
            for (Driver d : ServiceLoader.load(Driver.class, loader)) {
                // Loading the class registered it (JDBC 4 drivers register themselves); register it if not.
                if (d.acceptsURL(url) && !drivers.known(url)) DriverManager.registerDriver(d);
                if (drivers.known(url)) break;
            }
        } catch (SQLException | ServiceConfigurationError | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "Cannot load the application''s JDBC drivers: {0}", e.toString());
        }
        return drivers;
    }

    private boolean known(String url) {
        try {
            return DriverManager.getDriver(url) != null;
        } catch (SQLException e) {
            return false;
        }
    }

    /** Deregisters the drivers the application's class loader defined that were registered since {@link #load}. */
    public void deregister() {
        for (Driver d : Collections.list(DriverManager.getDrivers())) {
            if (before.contains(d) || !definedBy(d.getClass().getClassLoader())) continue;
            try {
                DriverManager.deregisterDriver(d);
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "Deregistered JDBC driver {0}",
                        d.getClass().getName());
            } catch (SQLException | SecurityException e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Cannot deregister JDBC driver {0}: {1}",
                        d.getClass().getName(),
                        e.toString());
            }
        }
    }

    private boolean definedBy(ClassLoader l) {
        for (ClassLoader c = l; c != null; c = c.getParent()) {
            if (c == loader) return true;
        }
        return false;
    }
}
