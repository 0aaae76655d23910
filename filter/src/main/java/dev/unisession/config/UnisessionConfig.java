package dev.unisession.config;

import dev.unisession.store.StoreSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one place that reads unisession settings.
 *
 * <p>Every key is spelled {@code unisession.<name>}. A key is looked up, first hit wins, in:
 * <ol>
 *   <li>the filter's init-params (or, for the self-registered filter, the context-params),</li>
 *   <li>the JVM system property of the same name,</li>
 *   <li>the environment variable {@code UNISESSION_<NAME>} (upper case, {@code .} and {@code -} become {@code _}),</li>
 *   <li>{@code unisession.properties} on the webapp's class path.</li>
 * </ol>
 * Unknown {@code unisession.*} keys in the init-params, the system properties and {@code unisession.properties}, and
 * bad values from any source, fail start-up with an exception naming the key and the source. An environment variable
 * {@code UNISESSION_*} that is no key ({@code UNISESSION_HOME} in a container image) is ignored, with one warning per
 * name in this class loader's life. The object is immutable once built; {@link #toString()} masks secrets.
 */
public final class UnisessionConfig {

    public static final String PREFIX = "unisession.";
    public static final String PROPERTIES_FILE = "unisession.properties";

    private static final System.Logger LOG = System.getLogger(UnisessionConfig.class.getName());

    /** The environment variables already warned about (the initializer and the filter both read the settings). */
    private static final Set<String> IGNORED_WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final RawSettings raw;
    private final Secrets secrets;

    private final StoreSettings storage;
    private final CookieSettings cookie;
    private final TokenSettings token;
    private final CodecSettings codec;
    private final SecuritySettings security;
    private final ValidationSettings validation;
    private final HealthSettings health;
    private final MigrationSettings migration;
    private final AuditSettings audit;
    private final Duration sessionTimeout;
    private final Duration firstVisitTimeout;
    private final Duration expiryInterval;
    private final int expiryBatchSize;
    private final double touchFraction;
    private final String application;
    private final List<String> eventListeners;

    private UnisessionConfig(RawSettings raw) {
        this.raw = raw;
        this.secrets = new Secrets(raw);
        this.sessionTimeout = raw.optionalDuration(ConfigKey.SESSION_TIMEOUT, true);
        this.firstVisitTimeout = raw.optionalDuration(ConfigKey.SESSION_FIRST_VISIT_TIMEOUT, false);
        this.touchFraction = raw.fraction(ConfigKey.SESSION_TOUCH_FRACTION, 0.5);
        this.expiryInterval = raw.duration(ConfigKey.EXPIRY_INTERVAL, false);
        this.expiryBatchSize = raw.integer(ConfigKey.EXPIRY_BATCH_SIZE, 1, 100_000);
        this.application = raw.get(ConfigKey.APPLICATION);
        if (application != null && !APPLICATION_ID.matcher(application).matches()) {
            throw raw.invalid(ConfigKey.APPLICATION, "1 to 64 letters, digits, '.', '_', '~' or '-'");
        }
        this.eventListeners = raw.list(ConfigKey.EVENT_LISTENERS);
        this.cookie = CookieSettings.from(raw);
        this.token = TokenSettings.from(raw);
        this.codec = CodecSettings.from(raw);
        this.storage = StorageSettings.from(raw, touchFraction, secrets::scrub);
        this.security = SecuritySettings.from(raw);
        this.validation = ValidationSettings.from(raw);
        this.health = HealthSettings.from(raw);
        this.migration = MigrationSettings.from(raw);
        this.audit = AuditSettings.from(raw);
    }

    /**
     * Builds the configuration from the given sources, highest precedence first.
     *
     * @throws IllegalArgumentException naming the key, for an unknown key or a bad value
     */
    public static UnisessionConfig from(List<ConfigSource> sources) {
        Map<ConfigKey, String> raw = new LinkedHashMap<>();
        Map<ConfigKey, String> origin = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        for (ConfigSource source : sources) {
            for (String name : source.names()) {
                ConfigKey key = source.keyFor(name);
                if (key == null && !source.strict()) {
                    if (IGNORED_WARNED.add(name)) ignored.add(name);
                    continue;
                }
                if (key == null) {
                    throw new IllegalArgumentException("Unknown unisession setting '" + name + "' (from "
                            + source.describe() + "); known keys: " + knownKeys());
                }
                String value = source.get(name);
                if (value != null && !raw.containsKey(key)) {
                    raw.put(key, value.trim());
                    origin.put(key, source.describe());
                }
            }
        }
        if (!ignored.isEmpty()) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Ignoring " + ignored + " (environment variable, not a unisession "
                            + "setting; a mistyped key is ignored too: the environment's keys are UNISESSION_ plus the key "
                            + "in upper case, e.g. UNISESSION_COOKIE_NAME)");
        }
        for (ConfigKey key : ConfigKey.values()) {
            if (!raw.containsKey(key) && key.defaultValue() != null) {
                raw.put(key, key.defaultValue());
                origin.put(key, "default");
            }
        }
        return new UnisessionConfig(new RawSettings(raw, origin));
    }

    /**
     * The standard sources: the given init-params, system properties, the environment and
     * {@code unisession.properties} from {@code loader}.
     */
    public static UnisessionConfig load(
            String initParamDescription, Map<String, String> initParams, ClassLoader loader) {
        List<ConfigSource> sources = new ArrayList<>();
        sources.add(ConfigSource.of(initParamDescription, initParams));
        Map<String, String> sys = new TreeMap<>();
        System.getProperties().forEach((k, v) -> sys.put(String.valueOf(k), String.valueOf(v)));
        sources.add(ConfigSource.of("system property", onlyPrefixed(sys)));
        Map<String, String> env = new TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("UNISESSION_")) env.put(k, v);
        });
        sources.add(ConfigSource.environment(env));
        sources.add(ConfigSource.of("classpath " + PROPERTIES_FILE, readProperties(loader)));
        return from(sources);
    }

    private static Map<String, String> onlyPrefixed(Map<String, String> in) {
        Map<String, String> out = new TreeMap<>();
        in.forEach((k, v) -> {
            if (k.startsWith(PREFIX)) out.put(k, v);
        });
        return out;
    }

    private static Map<String, String> readProperties(ClassLoader loader) {
        Map<String, String> out = new TreeMap<>();
        if (loader == null) return out;
        try (InputStream in = loader.getResourceAsStream(PROPERTIES_FILE)) {
            if (in == null) return out;
            Properties p = new Properties();
            p.load(in);
            p.stringPropertyNames().forEach(n -> out.put(n, p.getProperty(n)));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + PROPERTIES_FILE, e);
        }
    }

    private static String knownKeys() {
        List<String> names = new ArrayList<>();
        for (ConfigKey k : ConfigKey.values()) names.add(k.key());
        return String.join(", ", names);
    }

    /** The store chain: which store, and the settings of Redis, the database, the near cache and the tiered store. */
    public StoreSettings storage() {
        return storage;
    }

    public CookieSettings cookie() {
        return cookie;
    }

    public TokenSettings token() {
        return token;
    }

    public CodecSettings codec() {
        return codec;
    }

    public SecuritySettings security() {
        return security;
    }

    public ValidationSettings validation() {
        return validation;
    }

    public HealthSettings health() {
        return health;
    }

    public MigrationSettings migration() {
        return migration;
    }

    public AuditSettings audit() {
        return audit;
    }

    /** The configured max inactive interval for new sessions, or null to use the container's session-config. */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /**
     * The max inactive interval of a new session until its client comes back with the cookie, or null for none
     * (see {@link dev.unisession.core.SessionEngine#returned}).
     */
    public Duration firstVisitTimeout() {
        return firstVisitTimeout;
    }

    /** How often the expiry sweep runs. */
    public Duration expiryInterval() {
        return expiryInterval;
    }

    /** How many expired sessions one sweep claims at most. */
    public int expiryBatchSize() {
        return expiryBatchSize;
    }

    /** The share of maxInactive after which a request that changed nothing still writes its access time. */
    public double touchFraction() {
        return touchFraction;
    }

    /** Class names of SessionEventListeners (besides those found through ServiceLoader). */
    public List<String> eventListeners() {
        return eventListeners;
    }

    /** The session cookie's name for a context (see {@link CookieSettings#nameFor}). */
    public String cookieNameFor(String contextPath) {
        return cookie.nameFor(applicationFor(contextPath));
    }

    private static final java.util.regex.Pattern APPLICATION_ID =
            java.util.regex.Pattern.compile("[A-Za-z0-9._~-]{1,64}");

    /**
     * The application id every token ({@code aud}) and stored session is bound to, or null for the default: the one
     * {@link #applicationFor(String)} derives from the context path.
     */
    public String application() {
        return application;
    }

    /**
     * The application id for a context: the configured one, else the context path without its leading slash
     * ({@code /shop} → {@code shop}, nested paths joined with {@code .}), {@code ROOT} for the root context.
     */
    public String applicationFor(String contextPath) {
        if (application != null) return application;
        String p = contextPath == null ? "" : contextPath.replaceAll("^/+|/+$", "");
        if (p.isEmpty()) return "ROOT";
        StringBuilder out = new StringBuilder(p.length());
        for (char c : p.toCharArray()) {
            out.append(
                    c == '/'
                            ? '.'
                            : Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '_' || c == '~' || c == '-'
                                    ? c
                                    : '_');
        }
        return out.length() > 64 ? out.substring(0, 64) : out.toString();
    }

    /**
     * A duration as the settings take it: {@code 90} (seconds), {@code 500ms}, {@code 30s}, {@code 15m}, {@code 2h},
     * {@code 7d}, or ISO-8601 ({@code PT30M}); null when the text is none of these.
     */
    public static Duration parseDuration(String text) {
        return RawSettings.parseDuration(text);
    }

    /** The origin of a key's value: the source's description or "default". */
    public String origin(ConfigKey key) {
        return raw.origin(key);
    }

    /**
     * A URL as the library prints it: the password of every form it may carry (userinfo, Oracle's
     * {@code user/password@}, {@code password=} and {@code pwd=} parameters) replaced by {@code ****}.
     */
    public static String maskUrl(String url) {
        return Secrets.maskUrl(url);
    }

    /** Text (an error message) with every secret of this configuration and every password in a URL masked. */
    public String scrub(String text) {
        return secrets.scrub(text);
    }

    /**
     * The exception itself when no message in its chain holds a secret; else one of the same kind (argument or
     * state) whose message is the chain's messages scrubbed, with the original's stack trace and no cause, so that
     * a log or a command's error output never shows a password (start-up errors of a store quote its URL).
     */
    public RuntimeException scrubbed(RuntimeException e) {
        return secrets.scrubbed(e);
    }

    /** All settings with their origin; secrets masked. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("UnisessionConfig{");
        boolean first = true;
        for (ConfigKey key : ConfigKey.values()) {
            if (!raw.has(key)) continue;
            if (!first) sb.append(", ");
            first = false;
            sb.append(key.key())
                    .append('=')
                    .append(Secrets.display(key, raw.get(key)))
                    .append(" (")
                    .append(raw.origin(key))
                    .append(')');
        }
        return sb.append('}').toString();
    }
}
