package dev.unisession.security;

/**
 * Where audit events go. The default writes them to the {@code dev.unisession.audit} logger; an application may
 * hand the filter its own sink in the context attribute {@link #CONTEXT_ATTRIBUTE}, or name a class with a public
 * no-argument constructor in {@code unisession.audit.sink}; {@code database} keeps them in the session database. A sink must be fast and must not throw.
 */
public interface AuditSink {

    String CONTEXT_ATTRIBUTE = AuditSink.class.getName();

    /** Drops everything ({@code unisession.audit.sink=none}). */
    AuditSink NONE = e -> {};

    /** Logs each event as one key=value line at INFO on the {@code dev.unisession.audit} logger. */
    AuditSink LOG = new AuditSink() {
        private final System.Logger log = System.getLogger("dev.unisession.audit");

        @Override
        public void record(AuditEvent e) {
            log.log(System.Logger.Level.INFO, e.toString());
        }
    };

    void record(AuditEvent event);

    /**
     * The sink a {@code unisession.audit.sink} value names: {@code log}, {@code none}, or the name of an AuditSink
     * class with a public no-argument constructor, loaded through {@code loader}.
     *
     * @throws IllegalArgumentException naming the key when the value names no usable class
     */
    static AuditSink named(String value, ClassLoader loader) {
        switch (value) {
            case "log":
                return LOG;
            case "none":
                return NONE;
            default:
                try {
                    return (AuditSink)
                            Class.forName(value, true, loader).getConstructor().newInstance();
                } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
                    throw new IllegalArgumentException(
                            "Invalid value for unisession.audit.sink: log, none, database, or the "
                                    + "name of an AuditSink class with a public no-argument constructor (" + e + ")");
                }
        }
    }

    /**
     * Removes the entries that name a principal (GDPR erasure), where this sink keeps entries it can remove.
     * The log sink cannot: log files are kept and rotated by the logging set-up, which must honour erasure
     * requests on its own.
     *
     * @return how many entries were removed
     */
    default int erase(String principal) {
        return 0;
    }
}
