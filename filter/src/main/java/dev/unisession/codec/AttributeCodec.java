package dev.unisession.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Turns session attribute values into bytes for the store and back, allowing only known classes.
 *
 * <p>Strings, ints, longs and booleans get a compact tagged form; everything else is Java serialization. The same
 * allowlist is applied when writing (so a value that could not be read back fails {@code setAttribute} at once) and
 * when reading (an {@link ObjectInputFilter}, merged with the JVM-wide filter). Allowed by default: JDK value types
 * and collections, and the classes for which {@code appClass} is true (the webapp's own WEB-INF/classes); besides
 * those, the exact classes of the active {@link FrameworkProfile}s and the patterns in {@code unisession.codec.allow}.
 * Known gadget classes ({@link GadgetDenyList}) and dynamic proxies are refused whatever else says.
 */
public final class AttributeCodec {

    private static final System.Logger LOG = System.getLogger(AttributeCodec.class.getName());

    /**
     * The settings of the codec, by the names (after {@code unisession.}) that {@code ConfigKey} gives
     * them and that the codec's messages name.
     */
    public static final String ALLOW_SETTING = "codec.allow";

    public static final String PROFILES_SETTING = "codec.profiles";
    public static final String MODE_SETTING = "codec.mode";
    public static final String MAX_ATTRIBUTE_BYTES_SETTING = "codec.max-attribute-bytes";
    public static final String MAX_SESSION_BYTES_SETTING = "codec.max-session-bytes";
    public static final String MAX_DEPTH_SETTING = "codec.max-depth";
    public static final String MAX_REFERENCES_SETTING = "codec.max-references";
    public static final String MAX_ARRAY_LENGTH_SETTING = "codec.max-array-length";

    /** A setting's full name, as the messages show it. */
    static String setting(String name) {
        return "unisession." + name;
    }

    /** What happens to a class that is not allowed. */
    public enum Mode {
        /** Refused: {@code setAttribute} fails, and stored data naming it is not read. */
        ENFORCE,
        /** Development only: stored and read anyway, each such class logged once (gadgets and proxies stay refused). */
        REPORT
    }

    /**
     * What may be stored besides JDK values and the application's own classes.
     *
     * @param allow    extra patterns ({@code com.acme.**}, {@code com.acme.*}, {@code com.acme.Foo}, {@code pre*})
     * @param profiles framework profiles whose exact classes are allowed
     * @param mode     refuse, or store and report
     */
    public record Policy(List<String> allow, List<FrameworkProfile> profiles, Mode mode, Limits limits) {
        public Policy {
            allow = List.copyOf(allow);
            profiles = List.copyOf(profiles);
        }

        /** With the default {@link Limits}. */
        public Policy(List<String> allow, List<FrameworkProfile> profiles, Mode mode) {
            this(allow, profiles, mode, Limits.DEFAULT);
        }

        /** The patterns alone, no profiles, refusing. */
        public static Policy allowing(List<String> allow) {
            return new Policy(allow, List.of(), Mode.ENFORCE);
        }
    }

    /**
     * Bounds on one serialized value, checked while it is read, so that a
     * stored record crafted by whoever can write the store (a nested-set "hash bomb", a reference flood, a huge
     * declared array) is refused in milliseconds instead of hanging the thread that reads it. The stream itself is
     * bounded by the codec's largest attribute size.
     *
     * @param maxDepth       deepest nesting of objects ({@code unisession.codec.max-depth})
     * @param maxReferences  most objects and back-references ({@code unisession.codec.max-references})
     * @param maxArrayLength longest array ({@code unisession.codec.max-array-length})
     */
    public record Limits(int maxDepth, int maxReferences, int maxArrayLength) {
        /** Depth 16, 10,000 references, arrays of 100,000: a nested-set bomb within them costs about 2^16 hashes. */
        public static final Limits DEFAULT = new Limits(16, 10_000, 100_000);

        public Limits {
            if (maxDepth < 1 || maxReferences < 1 || maxArrayLength < 0) {
                throw new IllegalArgumentException(
                        "codec limits must be positive: " + maxDepth + ", " + maxReferences + ", " + maxArrayLength);
            }
        }
    }

    private static final byte TAG_SERIALIZED = 1;
    private static final byte TAG_STRING = 2;
    private static final byte TAG_INT = 3;
    private static final byte TAG_LONG = 4;
    private static final byte TAG_BOOLEAN = 5;

    /** Bounds on a whole importer stream ({@link #openForeign}), which may hold many sessions. */
    static final long FOREIGN_MAX_BYTES = 256L * 1024 * 1024;

    static final long FOREIGN_MAX_REFERENCES = 10_000_000;

    private static final Set<Class<?>> IMMUTABLE = Set.of(
            String.class,
            Boolean.class,
            Byte.class,
            Short.class,
            Character.class,
            Integer.class,
            Long.class,
            Float.class,
            Double.class,
            BigInteger.class,
            BigDecimal.class,
            UUID.class);

    private final ClassLoader loader;
    /** Which classes values may hold. */
    private final ClassAllowlist allowlist;

    private final ObjectInputFilter readFilter;
    private final ObjectInputFilter foreignFilter;
    private final int maxAttributeBytes;
    private final int maxSessionBytes;
    private final Limits limits;

    /**
     * @param loader   loads the classes named in serialized data (the webapp's class loader)
     * @param appClass true for class names the webapp itself defines
     * @param extra    extra allowed patterns ({@code com.acme.**}, {@code com.acme.*}, {@code com.acme.Foo}, {@code pre*})
     */
    public AttributeCodec(ClassLoader loader, Predicate<String> appClass, List<String> extra) {
        this(loader, appClass, extra, 1024 * 1024, 4 * 1024 * 1024);
    }

    /** As above, with the largest encoded attribute and the largest sum of a session's attributes, in bytes. */
    public AttributeCodec(
            ClassLoader loader,
            Predicate<String> appClass,
            List<String> extra,
            int maxAttributeBytes,
            int maxSessionBytes) {
        this(loader, appClass, Policy.allowing(extra), maxAttributeBytes, maxSessionBytes);
    }

    /** As above, with profiles and a mode. */
    public AttributeCodec(
            ClassLoader loader, Predicate<String> appClass, Policy policy, int maxAttributeBytes, int maxSessionBytes) {
        this.maxAttributeBytes = maxAttributeBytes;
        this.maxSessionBytes = maxSessionBytes;
        this.loader = loader;
        this.limits = policy.limits();
        this.allowlist = new ClassAllowlist(appClass, policy);
        ObjectInputFilter jvm = ObjectInputFilter.Config.getSerialFilter();
        ObjectInputFilter ours = info -> check(info, maxAttributeBytes, limits.maxReferences());
        this.readFilter = jvm == null ? ours : ObjectInputFilter.merge(ours, jvm);
        ObjectInputFilter foreign = info -> check(info, FOREIGN_MAX_BYTES, FOREIGN_MAX_REFERENCES);
        this.foreignFilter = jvm == null ? foreign : ObjectInputFilter.merge(foreign, jvm);
    }

    /** The largest sum of one session's encoded attributes, in bytes. */
    public int maxSessionBytes() {
        return maxSessionBytes;
    }

    /** True when a value of this type cannot change in place, so it never needs re-serializing to detect changes. */
    public static boolean isImmutable(Object value) {
        return value == null
                || IMMUTABLE.contains(value.getClass())
                || value instanceof Enum
                || value.getClass().getName().startsWith("java.time.");
    }

    /**
     * Encodes a value.
     *
     * @throws IllegalArgumentException naming the attribute, the class and the config key, when the value's object
     *                                  graph contains a class that is not serializable or not allowed
     */
    public byte[] encode(String attribute, Object value) {
        if (value instanceof String) {
            byte[] s = ((String) value).getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(1 + s.length).put(TAG_STRING).put(s).array();
        }
        if (value instanceof Integer)
            return ByteBuffer.allocate(5).put(TAG_INT).putInt((Integer) value).array();
        if (value instanceof Long)
            return ByteBuffer.allocate(9).put(TAG_LONG).putLong((Long) value).array();
        if (value instanceof Boolean) return new byte[] {TAG_BOOLEAN, (byte) (((Boolean) value) ? 1 : 0)};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        bytes.write(TAG_SERIALIZED);
        try (CheckingOutputStream out = new CheckingOutputStream(bytes)) {
            out.writeObject(value);
        } catch (RefusedClassException e) {
            if (e.gadget) {
                throw new IllegalArgumentException("Session attribute '" + attribute + "' cannot be stored: class "
                        + e.getMessage() + " is a known deserialization gadget and is never allowed in sessions");
            }
            throw new IllegalArgumentException("Session attribute '" + attribute + "' cannot be stored: class "
                    + e.getMessage() + " is not allowed in sessions. Allow it with "
                    + setting(ALLOW_SETTING) + " (e.g. " + e.getMessage() + " or "
                    + ClassAllowlist.suggestPattern(e.getMessage()) + "; " + setting(MODE_SETTING)
                    + "=report on a development box lists every class an application needs)");
        } catch (ArrayTooLongException e) {
            throw new IllegalArgumentException(
                    "Session attribute '" + attribute + "' cannot be stored: " + e.getMessage());
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("Session attribute '" + attribute + "' cannot be stored: class "
                    + e.getMessage() + " is not Serializable (value of type "
                    + value.getClass().getName() + ")");
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Session attribute '" + attribute + "' cannot be stored: " + e, e);
        }
        if (bytes.size() > maxAttributeBytes) {
            throw new IllegalArgumentException("Session attribute '" + attribute + "' is " + bytes.size()
                    + " bytes stored; the limit is " + maxAttributeBytes + " ("
                    + setting(MAX_ATTRIBUTE_BYTES_SETTING) + ")");
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes bytes written by {@link #encode}.
     *
     * @throws AttributeDecodeException when the bytes are damaged or name a class that is refused or missing
     */
    public Object decode(byte[] data) {
        if (data == null || data.length == 0) throw new AttributeDecodeException("empty value", null);
        if (data.length - 1 > maxAttributeBytes) {
            throw new AttributeDecodeException(
                    "value of " + (data.length - 1) + " bytes is over the limit of " + maxAttributeBytes + " ("
                            + setting(MAX_ATTRIBUTE_BYTES_SETTING) + ")",
                    null);
        }
        ByteBuffer b = ByteBuffer.wrap(data, 1, data.length - 1);
        try {
            switch (data[0]) {
                case TAG_STRING:
                    return new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
                case TAG_INT:
                    return b.getInt();
                case TAG_LONG:
                    return b.getLong();
                case TAG_BOOLEAN:
                    return b.get() != 0;
                case TAG_SERIALIZED:
                    try (CheckingInputStream in =
                            new CheckingInputStream(new ByteArrayInputStream(data, 1, data.length - 1), readFilter)) {
                        return in.readObject();
                    }
                default:
                    throw new AttributeDecodeException("unknown value tag " + data[0], null);
            }
        } catch (AttributeDecodeException e) {
            throw e;
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw new AttributeDecodeException(e.toString(), e);
        }
    }

    /**
     * An object stream over serialized data written by another session library (for importers), with the same
     * class allowlist, depth and array limits as {@link #decode}. One such stream may hold many sessions (Tomcat's
     * {@code SESSIONS.ser}), so its size and reference count are bounded for the whole stream instead, by
     * {@value #FOREIGN_MAX_BYTES} bytes and {@value #FOREIGN_MAX_REFERENCES} references.
     */
    public java.io.ObjectInputStream openForeign(InputStream in) throws IOException {
        return new CheckingInputStream(in, foreignFilter);
    }

    /** Whether values of this class may be stored and read. */
    public boolean isAllowed(Class<?> type) {
        return allowlist.isAllowed(type);
    }

    private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info, long maxBytes, long maxReferences) {
        if (info.depth() > limits.maxDepth()
                || info.references() > maxReferences
                || info.streamBytes() > maxBytes
                || info.arrayLength() > limits.maxArrayLength()) {
            return ObjectInputFilter.Status.REJECTED;
        }
        Class<?> c = info.serialClass();
        if (c == null) return ObjectInputFilter.Status.UNDECIDED;
        return isAllowed(c) ? ObjectInputFilter.Status.ALLOWED : ObjectInputFilter.Status.REJECTED;
    }

    private static final class ArrayTooLongException extends IOException {
        ArrayTooLongException(String message) {
            super(message);
        }
    }

    private static final class RefusedClassException extends IOException {
        final boolean gadget;

        RefusedClassException(String className, boolean gadget) {
            super(className);
            this.gadget = gadget;
        }
    }

    /**
     * Refuses a class the first time one is met. Once refused, everything else is let through: on failure
     * ObjectOutputStream writes the exception itself into the (discarded) stream before rethrowing it.
     */
    private final class CheckingOutputStream extends ObjectOutputStream {
        private boolean failed;

        CheckingOutputStream(OutputStream out) throws IOException {
            super(out);
            enableReplaceObject(true);
        }

        @Override
        protected Object replaceObject(Object obj) throws IOException {
            if (!failed && !(obj instanceof java.io.Serializable)) {
                failed = true;
                throw new NotSerializableException(obj.getClass().getName());
            }
            if (!failed
                    && obj.getClass().isArray()
                    && java.lang.reflect.Array.getLength(obj) > limits.maxArrayLength()) {
                failed = true;
                throw new ArrayTooLongException(obj.getClass().getSimpleName() + " of "
                        + java.lang.reflect.Array.getLength(obj) + " elements is longer than "
                        + limits.maxArrayLength() + " (" + setting(MAX_ARRAY_LENGTH_SETTING) + ")");
            }
            return obj;
        }

        @Override
        protected void annotateClass(Class<?> cl) throws IOException {
            if (!failed && !isAllowed(cl)) {
                failed = true;
                Class<?> c = cl;
                while (c.isArray()) c = c.getComponentType();
                throw new RefusedClassException(cl.getName(), ClassAllowlist.isGadget(c));
            }
        }

        @Override
        protected void annotateProxyClass(Class<?> cl) throws IOException {
            if (!failed) {
                failed = true;
                throw new RefusedClassException(cl.getName() + " (dynamic proxy)", true);
            }
        }
    }

    private final class CheckingInputStream extends ObjectInputStream {
        CheckingInputStream(InputStream in, ObjectInputFilter filter) throws IOException {
            super(in);
            setObjectInputFilter(filter);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc); // primitives
            }
        }

        @Override
        protected Class<?> resolveProxyClass(String[] interfaces) throws IOException {
            throw new InvalidClassException("dynamic proxies are not accepted in session attributes");
        }
    }
}
