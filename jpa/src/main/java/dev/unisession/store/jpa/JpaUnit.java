package dev.unisession.store.jpa;

import dev.unisession.store.JpaSettings;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceConfiguration;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.PersistenceUnitTransactionType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.persistence.jpa.PersistenceProvider;

/**
 * The EclipseLink persistence unit of {@link JpaStore}: built from {@link JpaSettings} (a JDBC URL and pool, or the
 * application's DataSource by JNDI name), with the platform named rather than detected, and the shipped tables
 * created where they are missing.
 */
final class JpaUnit {

    private JpaUnit() {}

    /** The persistence unit for the settings: {@code unisession.jpa.datasource} (JNDI) or the JDBC URL and pool. */
    static EntityManagerFactory open(JpaSettings cfg, ClassLoader loader) {
        PersistenceConfiguration pc = new PersistenceConfiguration("unisession")
                .provider(PersistenceProvider.class.getName())
                .transactionType(PersistenceUnitTransactionType.RESOURCE_LOCAL)
                .mappingFile("META-INF/unisession-orm.xml")
                .property("eclipselink.weaving", "false")
                .property("eclipselink.cache.shared.default", "false")
                .property("eclipselink.jdbc.batch-writing", "JDBC")
                .property("eclipselink.logging.level", "WARNING")
                .property("eclipselink.logging.logger", "JavaLogger")
                .property("eclipselink.classloader", loader)
                .property("eclipselink.ddl-generation", "none");
        String platform = platformFor(cfg.url());
        // Named by class literal rather than left to EclipseLink's detection, whose table of platform class names is
        // a properties file that relocation in the drop-in -all jar cannot rewrite.
        if (platform != null) pc.property("eclipselink.target-database", platform);
        if (cfg.dataSource() == null) {
            pc.property(PersistenceConfiguration.JDBC_URL, cfg.url());
            if (cfg.user() != null) pc.property(PersistenceConfiguration.JDBC_USER, cfg.user());
            if (cfg.password() != null) pc.property(PersistenceConfiguration.JDBC_PASSWORD, cfg.password());
            String size = Integer.toString(cfg.poolSize());
            // EclipseLink closes connections above "min" when they are released: keep them all open.
            pc.property("eclipselink.connection-pool.default.initial", "1")
                    .property("eclipselink.connection-pool.default.min", size)
                    .property("eclipselink.connection-pool.default.max", size)
                    .property("eclipselink.connection-pool.read.initial", "1")
                    .property("eclipselink.connection-pool.read.min", size)
                    .property("eclipselink.connection-pool.read.max", size)
                    .property("eclipselink.connection-pool.default.wait", "2000")
                    .property("eclipselink.connection-pool.read.wait", "2000");
        }
        try {
            if (cfg.dataSource() != null) {
                // Looked up here, with the application's naming context (the thread starting it), and handed over
                // as the object: the platform comes from the database it reaches, as it cannot from EclipseLink's
                // detection in the -all jar (see above).
                javax.sql.DataSource ds = dataSource(cfg.dataSource());
                String detected = platformOf(ds);
                if (detected != null) pc.property("eclipselink.target-database", detected);
                pc.property("jakarta.persistence.nonJtaDataSource", ds);
            }
            EntityManagerFactory emf = new PersistenceProvider().createEntityManagerFactory(pc);
            try {
                emf.createEntityManager().close(); // connect now: bad settings fail start-up
                if (cfg.createSchema()) createSchema(emf);
                checkSchema(emf);
            } catch (RuntimeException e) {
                emf.close();
                throw e;
            }
            return emf;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "Cannot open the session database ("
                            + (cfg.dataSource() != null
                                    ? "unisession." + JpaSettings.DATASOURCE_SETTING + "=" + cfg.dataSource()
                                    : "unisession." + JpaSettings.URL_SETTING + "="
                                            + cfg.scrub().apply(cfg.url()))
                            + "): " + cfg.scrub().apply(JpaTransactions.rootMessage(e)),
                    e);
        }
    }

    /**
     * Creates the tables and indexes that are missing by running the DDL shipped for the database (the same
     * {@code META-INF/unisession/sql/} file an operator applies with {@code schema=none}), so that both ways give one
     * schema. EclipseLink's own generation is not used: it orders a composite primary key by column name, and
     * {@code us_attribute}'s (name, session_id) could not serve the per-session lookups every flush and delete makes.
     * Two nodes starting together may race on a {@code CREATE ... IF NOT EXISTS}; the loser tries again. The
     * {@code ALTER TABLE} statements (columns an earlier version's tables lack) run only when the session table
     * cannot be read as this version reads it: on PostgreSQL an {@code ALTER TABLE}, even one that adds nothing,
     * locks the table against reads until the script commits, which every node's start would otherwise do.
     */
    private static void createSchema(EntityManagerFactory emf) {
        boolean current = probe(emf) == null;
        for (int attempt = 1; ; attempt++) {
            EntityManager em = emf.createEntityManager();
            try {
                em.getTransaction().begin();
                java.sql.Connection c = em.unwrap(java.sql.Connection.class);
                String script = ddlFor(c.getMetaData().getDatabaseProductName());
                try (java.sql.Statement st = c.createStatement()) {
                    for (String sql : statements(script)) {
                        if (!current || !sql.regionMatches(true, 0, "ALTER TABLE", 0, 11)) st.execute(sql);
                    }
                }
                em.getTransaction().commit();
                return;
            } catch (java.sql.SQLException | RuntimeException e) {
                if (em.getTransaction().isActive()) em.getTransaction().rollback();
                if (attempt == 3 || e instanceof IllegalArgumentException) {
                    throw e instanceof RuntimeException r
                            ? r
                            : new PersistenceException("Cannot create the session tables: " + e.getMessage(), e);
                }
            } finally {
                em.close();
            }
            try {
                Thread.sleep(200L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PersistenceException("Interrupted while creating the session tables", e);
            }
        }
    }

    /**
     * Fails start-up with what to do when the session table lacks a column this version writes (tables an earlier
     * version made, with {@code schema=none}): otherwise every write would fail at run time.
     */
    private static void checkSchema(EntityManagerFactory emf) {
        String failure = probe(emf);
        if (failure != null) throw new IllegalArgumentException(failure);
    }

    /**
     * Reads the session table's columns this version writes, in a transaction of its own (rolled back): null, or
     * why it failed and what to do.
     */
    private static String probe(EntityManagerFactory emf) {
        EntityManager em = emf.createEntityManager();
        String file = "<database>";
        try {
            em.getTransaction().begin();
            java.sql.Connection c = em.unwrap(java.sql.Connection.class);
            String known = ddlFile(c.getMetaData().getDatabaseProductName());
            if (known != null) file = known;
            try (java.sql.Statement st = c.createStatement()) {
                st.executeQuery("SELECT id, application, attributes FROM us_session WHERE 1 = 0")
                        .close();
            }
            return null;
        } catch (java.sql.SQLException e) {
            return "The session table cannot be read as this version writes it (" + e.getMessage() + "): if it "
                    + "lacks columns (tables an earlier version made), apply META-INF/unisession/sql/" + file
                    + ".sql from the unisession jar (it adds only what is missing) or set unisession.jpa.schema=create";
        } finally {
            if (em.getTransaction().isActive()) em.getTransaction().rollback();
            em.close();
        }
    }

    /** The shipped DDL for a database product (JDBC's product name). */
    static String ddlFor(String product) {
        String file = ddlFile(product);
        if (file == null) {
            throw new IllegalArgumentException("unisession ships tables for PostgreSQL, MariaDB/MySQL and H2, not for "
                    + product + ": create them from one of META-INF/unisession/sql/*.sql and set "
                    + "unisession." + JpaSettings.SCHEMA_SETTING + "=none");
        }
        try (java.io.InputStream in = JpaUnit.class.getResourceAsStream("/META-INF/unisession/sql/" + file + ".sql")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException | NullPointerException e) {
            throw new IllegalStateException("The jar lacks META-INF/unisession/sql/" + file + ".sql", e);
        }
    }

    /** The name of the shipped DDL file (without {@code .sql}) for a database product, or null: none shipped. */
    private static String ddlFile(String product) {
        String p = product.toLowerCase(java.util.Locale.ROOT);
        return p.contains("postgres")
                ? "postgresql"
                : p.contains("mariadb") || p.contains("mysql") ? "mariadb" : p.equals("h2") ? "h2" : null;
    }

    /** A DDL script's statements: separated by semicolons, comment lines left out. */
    static List<String> statements(String script) {
        StringBuilder b = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.strip().startsWith("--")) b.append(line).append('\n');
        }
        List<String> out = new ArrayList<>();
        for (String sql : b.toString().split(";")) {
            if (!sql.isBlank()) out.add(sql.strip());
        }
        return out;
    }

    /** The DataSource bound at a JNDI name (java:comp/env/jdbc/x), as the server provides it. */
    private static javax.sql.DataSource dataSource(String name) {
        Object found;
        try {
            found = new javax.naming.InitialContext().lookup(name);
        } catch (javax.naming.NamingException e) {
            throw new PersistenceException(
                    "no DataSource at JNDI name " + name + " (" + e + "); the server "
                            + "declares it (Tomcat: <Resource> in context.xml; Jetty: jetty-env.xml and the plus module)",
                    e);
        }
        if (found instanceof javax.sql.DataSource ds) return ds;
        throw new PersistenceException("JNDI name " + name + " holds a "
                + (found == null ? "null" : found.getClass().getName()) + ", not a javax.sql.DataSource");
    }

    /** The EclipseLink platform of the database a DataSource reaches (one connection, closed again); null: detect. */
    private static String platformOf(javax.sql.DataSource ds) {
        try (java.sql.Connection c = ds.getConnection()) {
            String product = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT);
            return product.contains("postgres")
                    ? org.eclipse.persistence.platform.database.PostgreSQLPlatform.class.getName()
                    : product.contains("mariadb")
                            ? org.eclipse.persistence.platform.database.MariaDBPlatform.class.getName()
                            : product.contains("mysql")
                                    ? org.eclipse.persistence.platform.database.MySQLPlatform.class.getName()
                                    : product.equals("h2")
                                            ? org.eclipse.persistence.platform.database.H2Platform.class.getName()
                                            : null;
        } catch (java.sql.SQLException e) {
            throw new PersistenceException("Cannot connect through the DataSource: " + e.getMessage(), e);
        }
    }

    /** The EclipseLink platform of the databases unisession ships DDL for, from the JDBC URL; null: detect. */
    static String platformFor(String jdbcUrl) {
        if (jdbcUrl == null) return null;
        if (jdbcUrl.startsWith("jdbc:h2:")) return org.eclipse.persistence.platform.database.H2Platform.class.getName();
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return org.eclipse.persistence.platform.database.PostgreSQLPlatform.class.getName();
        }
        if (jdbcUrl.startsWith("jdbc:mariadb:")) {
            return org.eclipse.persistence.platform.database.MariaDBPlatform.class.getName();
        }
        if (jdbcUrl.startsWith("jdbc:mysql:")) {
            return org.eclipse.persistence.platform.database.MySQLPlatform.class.getName();
        }
        return null;
    }
}
